// Fills this server's own address into the snippet on /embed.
(() => {
  'use strict';
  const code = document.getElementById('snippet');
  if (!code) return;
  code.textContent = code.textContent.replace('https://search.example.org', location.origin);
})();
