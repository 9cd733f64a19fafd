// himsearch embeddable search box: the <him-search> custom element.
//
// One tag on any page:  <script src="https://search.example.org/embed.js" defer></script>
// then                  <him-search facets="credential,job_title"></him-search>
//
// No dependencies, and no HTML parsing of strings: text from the API goes in through text nodes; the
// API's *_parts fields (plain text split at the matches) become text plus <mark> elements
// (see markedText).
(() => {
  'use strict';
  if (window.customElements.get('him-search')) return;

  const script = document.currentScript;
  // The directory the script was served from: the API lives beside it, even behind a prefix.
  const SCRIPT_BASE = script && script.src ? new URL('.', script.src).href : new URL('/', location.href).href;

  // Facet kinds and their labels come from the server (GET api/facets), in the taxonomy's
  // order: a kind a site declares appears with no change here.
  const DEFAULT_FACET_COUNT = 2;
  const FACET_VALUES_SHOWN = 8;
  // Searches wait for a pause in typing (DocSearch waits about as long): typing a word at a
  // key every 180 ms sends one search, not one per letter. A single letter is not searched
  // as you type (Enter searches it).
  const DEBOUNCE_MS = 250;
  const MIN_TYPED_CHARS = 2;
  // Recent searches, kept in this browser only (localStorage), newest first.
  const RECENT_KEY = 'him-search:recent';
  const RECENT_KEPT = 5;

  // Kept per server (one list for each himsearch a page's widgets talk to); `recent="off"`
  // keeps nothing. Long text and text that looks like an address or a number is not kept.
  const RECENT_MAX_CHARS = 100;

  function recentSearches(key) {
    try {
      const list = JSON.parse(localStorage.getItem(key) || '[]');
      return Array.isArray(list) ? list.filter((q) => typeof q === 'string').slice(0, RECENT_KEPT) : [];
    } catch (_) {
      return [];
    }
  }

  function remember(key, query) {
    const q = query.trim();
    if (!key || !q || q.length > RECENT_MAX_CHARS || /@|\d{4,}/.test(q)) return;
    try {
      const list = [q, ...recentSearches(key).filter((old) => old.toLowerCase() !== q.toLowerCase())];
      localStorage.setItem(key, JSON.stringify(list.slice(0, RECENT_KEPT)));
    } catch (_) {
      // Storage may be off (private mode, a sandbox): recent searches are an extra.
    }
  }
  const MAX_PER_PAGE = 100;

  const STYLES = `
:host { display: block; font-family: var(--him-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  --_fg: var(--him-fg, #1f2933); --_accent: var(--him-accent, #0b5cad); --_accent-fg: var(--him-accent-fg, #fff);
  --_border: var(--him-border, #c7d0d9); --_muted: var(--him-muted, #52606d); --_bg: var(--him-bg, #fff);
  --_radius: var(--him-radius, 8px); --_mark: var(--him-mark, #fff1a8); --_mark-fg: var(--him-mark-fg, #1f2933);
  --_focus: var(--him-focus, #f59e0b); --_error: var(--him-error, #b42318); color: var(--_fg); line-height: 1.45; }
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) { --_fg: var(--him-fg, #e4e7eb); --_accent: var(--him-accent, #8ec5ff);
    --_accent-fg: var(--him-accent-fg, #0b1b2b); --_border: var(--him-border, #52606d); --_muted: var(--him-muted, #b6c0ca);
    --_bg: var(--him-bg, #16202b); --_mark: var(--him-mark, #6b5a00); --_mark-fg: var(--him-mark-fg, #fff8d6);
    --_error: var(--him-error, #ff9b8f); color-scheme: dark; }
}
:host([theme="dark"]) { --_fg: var(--him-fg, #e4e7eb); --_accent: var(--him-accent, #8ec5ff);
  --_accent-fg: var(--him-accent-fg, #0b1b2b); --_border: var(--him-border, #52606d); --_muted: var(--him-muted, #b6c0ca);
  --_bg: var(--him-bg, #16202b); --_mark: var(--him-mark, #6b5a00); --_mark-fg: var(--him-mark-fg, #fff8d6);
  --_error: var(--him-error, #ff9b8f); color-scheme: dark; }
@media (forced-colors: active) {
  .suggestions li[aria-selected="true"] { outline: 2px solid Highlight; forced-color-adjust: none; background: Highlight; color: HighlightText; }
  mark { forced-color-adjust: none; background: Mark; color: MarkText; }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.root { container-type: inline-size; background: var(--_bg); }
.bar { position: relative; }
.bar input { width: 100%; font: inherit; font-size: 1.05rem; padding: .65rem .9rem; color: inherit; background: var(--_bg);
  color-scheme: inherit;
  border: 1px solid var(--_border); border-radius: var(--_radius); }
.bar input:focus { outline: 3px solid var(--_focus); outline-offset: 1px; border-color: var(--_accent); }
.suggestions { position: absolute; z-index: 5; left: 0; right: 0; top: calc(100% + 4px); margin: 0; padding: .25rem 0;
  list-style: none; background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius);
  box-shadow: 0 8px 24px rgba(15, 23, 42, .14); max-height: 20rem; overflow-y: auto; }
.suggestions[hidden] { display: none; }
.suggestions li { padding: .45rem .9rem; cursor: pointer; display: flex; justify-content: space-between; gap: 1rem; }
.suggestions li[aria-selected="true"] { background: var(--_accent); color: var(--_accent-fg); }
.suggestions li[aria-selected="true"] .kind { color: inherit; }
.kind { color: var(--_muted); font-size: .8rem; white-space: nowrap; }
.body { display: grid; grid-template-columns: 1fr; gap: 1.25rem; margin-top: .9rem; }
.body.with-facets { grid-template-columns: minmax(11rem, 15rem) 1fr; }
@container (max-width: 40rem) { .body.with-facets { grid-template-columns: 1fr; } }
.facets { display: flex; flex-direction: column; gap: .9rem; min-width: 0; }
.facets[hidden] { display: none; }
.groups { display: flex; flex-direction: column; gap: .9rem; }
.filters-toggle { display: none; font: inherit; font-size: .9rem; align-self: flex-start; padding: .35rem .8rem; cursor: pointer;
  color: inherit; background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); }
.filters-toggle:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
@container (max-width: 40rem) {
  .filters-toggle { display: inline-block; }
  .facets:not(.open) .groups { display: none; }
}
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
legend { font-weight: 600; font-size: .9rem; margin-bottom: .3rem; padding: 0; }
.facet-value { display: flex; align-items: center; gap: .45rem; font-size: .9rem; padding: .15rem 0; cursor: pointer; }
.facet-value input { margin: 0; accent-color: var(--_accent); width: 1rem; height: 1rem; color-scheme: inherit; }
.facet-value input:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
.facet-value .name { flex: 1; min-width: 0; overflow-wrap: anywhere; }
.count { color: var(--_muted); font-size: .8rem; font-variant-numeric: tabular-nums; }
.facet-value.empty { color: var(--_muted); }
.link { font: inherit; background: none; border: 0; padding: 0; color: var(--_accent); text-decoration: underline; cursor: pointer; }
.link:focus-visible, .pager button:focus-visible, .trigger:focus-visible, .close:focus-visible {
  outline: 3px solid var(--_focus); outline-offset: 2px; }
.status { margin: 0 0 .5rem; color: var(--_muted); font-size: .9rem; min-height: 1.3em; }
.status.error { color: var(--_error); }
.root.loading .hits, .root.loading .pager { opacity: .45; transition: opacity .15s .2s; }
.spinner { display: inline-block; width: .8em; height: .8em; margin-right: .4em; vertical-align: -.1em; border-radius: 50%;
  border: 2px solid var(--_border); border-top-color: var(--_accent); animation: him-spin .7s linear infinite; }
@keyframes him-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation: none; } }
.help[hidden] { display: none; }
.chips { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: 0 0 .6rem; }
.chips:empty { display: none; }
.chip { font: inherit; font-size: .82rem; display: inline-flex; gap: .35rem; align-items: center; padding: .15rem .6rem;
  border: 1px solid var(--_accent); border-radius: 999px; background: var(--_bg); color: var(--_fg); cursor: pointer; }
.chip:focus-visible, .pages button:focus-visible, .skip:focus { outline: 3px solid var(--_focus); outline-offset: 2px; }
.pages { display: flex; gap: .3rem; flex-wrap: wrap; align-items: center; }
.pages button[aria-current="page"] { background: var(--_accent); color: var(--_accent-fg); border-color: var(--_accent); }
.skip { position: absolute; left: -10000px; font: inherit; font-size: .85rem; }
.skip:focus { position: static; align-self: flex-start; }
.dialog-head kbd { margin: 0 .5rem 0 0; align-self: center; color: var(--_muted); }
.hints { margin: .75rem 0 0; padding-top: .5rem; border-top: 1px solid var(--_border); color: var(--_muted); font-size: .8rem; }
.hints kbd { margin: 0 .15rem 0 0; }
@media (pointer: coarse) { .trigger kbd, .dialog-head kbd, .hints { display: none; } }
.tips { margin: .25rem 0 .75rem; padding-left: 1.2rem; color: var(--_muted); font-size: .9rem; }
.didyoumean { margin: 0 0 .75rem; }
.didyoumean[hidden] { display: none; }
.hits { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: .35rem; }
.hit { position: relative; padding: .6rem .75rem; border-radius: var(--_radius); border: 1px solid transparent; }
.hit:hover { border-color: var(--_border); }
.hit a { color: inherit; text-decoration: none; }
.hit a::after { content: ""; position: absolute; inset: 0; border-radius: var(--_radius); }
.hit a:focus { outline: none; }
.hit:focus-within { outline: 3px solid var(--_focus); outline-offset: 0; border-color: var(--_accent); }
.hit .title { display: block; color: var(--_accent); font-weight: 600; font-size: 1.02rem; overflow-wrap: anywhere; }
.hit:hover .title { text-decoration: underline; }
.sections { list-style: none; margin: .4rem 0 0; padding: 0 0 0 1rem; border-left: 2px solid var(--_border); }
.hit.section { padding: .35rem .6rem; }
.hit.section .title { font-size: .95rem; }
.hit .url { display: block; color: var(--_muted); font-size: .78rem; overflow-wrap: anywhere; }
.hit .snippet { display: block; margin-top: .2rem; font-size: .92rem; overflow-wrap: anywhere; }
.tags { display: flex; flex-wrap: wrap; gap: .3rem; margin-top: .35rem; }
.tag { font-size: .72rem; border: 1px solid var(--_border); border-radius: 999px; padding: .05rem .5rem; color: var(--_muted); }
mark { background: var(--_mark); color: var(--_mark-fg); border-radius: 2px; padding: 0 1px; }
.pager { display: flex; align-items: center; gap: .75rem; margin-top: 1rem; flex-wrap: wrap; }
.pager:empty { display: none; }
.pager button { font: inherit; padding: .4rem .9rem; border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_bg); color: inherit; cursor: pointer; }
.pager button:disabled { opacity: .45; cursor: default; }
.trigger { font: inherit; display: inline-flex; align-items: center; gap: .6rem; padding: .45rem .8rem; cursor: pointer;
  color: var(--_muted); background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); min-width: 12rem; }
kbd { font: inherit; font-size: .75rem; border: 1px solid var(--_border); border-radius: 4px; padding: 0 .3rem; margin-left: auto; }
.overlay { position: fixed; inset: 0; z-index: 2147483000; background: rgba(15, 23, 42, .45); display: flex;
  justify-content: center; align-items: flex-start; padding: 8vh 1rem 1rem; }
.overlay[hidden] { display: none; }
.dialog { background: var(--_bg); width: min(46rem, 100%); max-height: 84vh; overflow-y: auto; border-radius: var(--_radius);
  padding: 1rem; box-shadow: 0 24px 64px rgba(15, 23, 42, .35); }
.dialog-head { display: flex; justify-content: flex-end; margin-bottom: .4rem; }
.close { font: inherit; font-size: .85rem; background: none; border: 1px solid var(--_border); border-radius: var(--_radius);
  padding: .15rem .5rem; cursor: pointer; color: var(--_muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

  let sheet = null;
  function styleSheet() {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLES);
    }
    return sheet;
  }

  let instances = 0;
  let hotkeyOwner = null;

  /** Creates an element with attributes and children (strings become text nodes). */
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  /**
   * The API's *_parts fields: plain text split at the matches (odd entries matched), built as
   * text nodes and <mark> elements. No HTML is parsed, so no text can become markup.
   */
  function markedText(parts) {
    const fragment = document.createDocumentFragment();
    (Array.isArray(parts) ? parts : []).forEach((part, i) => {
      if (!part) return;
      const text = document.createTextNode(String(part));
      fragment.append(i % 2 === 1 ? h('mark', null, text) : text);
    });
    return fragment;
  }

  /** A link target for a hit, or null: only http(s) URLs become links (no javascript: URLs). */
  function safeHref(url, base) {
    try {
      const resolved = new URL(url, base);
      return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : null;
    } catch (_) {
      return null;
    }
  }

  // A readable trail instead of a raw address: host › section › page, without `.html`.
  function displayUrl(href) {
    try {
      const url = new URL(href);
      const parts = url.pathname.split('/').filter(Boolean).map((part) => {
        let text = part;
        try { text = decodeURIComponent(part); } catch (_) { /* keep it as it is */ }
        return text.replace(/\.(html?|php|aspx?)$/i, '').replace(/[-_]+/g, ' ');
      });
      return [url.host, ...parts].join(' › ');
    } catch (_) {
      return href;
    }
  }

  function listAttribute(value) {
    return String(value || '').split(',').map((v) => v.trim()).filter(Boolean);
  }

  function isEditable(target) {
    if (!target) return false;
    const tag = target.tagName;
    return target.isContentEditable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
  }

  class HimSearch extends HTMLElement {
    constructor() {
      super();
      this.id_ = ++instances;
      this.seq = 0;
      this.suggestSeq = 0;
      this.controller = null;
      this.timer = 0;
      this.state = { q: '', page: 1, filters: {} };
      this.suggestions = [];
      this.active = -1;
      this.lastResponse = null;
      this.built = false;
      this.hitIds = 0;
    }

    connectedCallback() {
      if (this.built) {
        // Moved or put back: listen again to what the removal stopped listening to.
        this.listen();
        return;
      }
      this.built = true;
      const endpoint = this.getAttribute('endpoint');
      this.apiBase = endpoint ? new URL(endpoint.replace(/\/*$/, '/'), location.href).href : SCRIPT_BASE;
      this.hitBase = this.getAttribute('base-url')
        ? new URL(this.getAttribute('base-url'), location.href).href
        : location.href;
      const perPage = parseInt(this.getAttribute('per-page') || '10', 10);
      this.perPage = Number.isFinite(perPage) ? Math.min(Math.max(perPage, 1), MAX_PER_PAGE) : 10;
      this.mode = this.getAttribute('mode') === 'modal' ? 'modal' : 'inline';
      this.browse = this.hasAttribute('browse');
      this.apiKey = this.getAttribute('api-key');
      this.urlState = this.hasAttribute('url-state');
      // Parameters in the host page's address are ours only under this prefix (`hs_q`,
      // `hs_page`, `hs_credential`): a host's own `q` or `page` is never read as a search.
      this.urlPrefix = this.hasAttribute('url-prefix') ? this.getAttribute('url-prefix') : 'hs_';
      this.baseTitle = document.title;
      this.recentKey = this.getAttribute('recent') === 'off' ? null : `${RECENT_KEY}:${this.apiBase}`;
      this.typing = false;
      this.kinds = [];
      this.presets = {};
      this.shownFacets = [];
      this.expanded = new Set();

      this.shadow = this.attachShadow({ mode: 'open' });
      this.shadow.adoptedStyleSheets = [styleSheet()];
      this.build();
      // The hotkeys work from the start: a reader pressing Ctrl+K while the facet kinds load
      // gets the dialog, not the browser's own shortcut.
      this.listen();
      this.loadKinds().then(() => {
        if (this.urlState) {
          this.readUrl();
          this.onPopState = () => { this.readUrl(); this.search({ history: 'none' }); };
          if (this.isConnected) window.addEventListener('popstate', this.onPopState);
        }
        if (this.state.q || this.browse || this.hasFilters()) this.search({ history: 'none' });
      });
    }

    // The page-wide listeners: Back and Forward (url-state) and the dialog's hotkeys (the
    // first modal widget of the page owns them).
    listen() {
      if (this.onPopState) window.addEventListener('popstate', this.onPopState);
      if (this.mode === 'modal' && !hotkeyOwner) {
        hotkeyOwner = this;
        document.addEventListener('keydown', this.onHotkey);
      }
    }

    // The server's facet kinds; then the presets (an attribute named after a kind, `_` or `-`)
    // and the kinds to show (`facets`: keys, `*` for all; by default the first two).
    async loadKinds() {
      try {
        const response = await fetch(new URL('api/facets', this.apiBase), { headers: this.requestHeaders() });
        const body = response.ok ? await response.json() : null;
        this.kinds = (body && Array.isArray(body.kinds)) ? body.kinds : [];
        // Relative result links open where the server publishes the site, when it does.
        if (!this.getAttribute('base-url') && body && typeof body.site === 'string') {
          this.hitBase = new URL(body.site, this.apiBase).href;
        }
      } catch (error) {
        this.kinds = [];
      }
      const keys = this.kinds.map((kind) => kind.key);
      for (const key of keys) {
        const values = listAttribute(this.getAttribute(key.replace(/_/g, '-')) || this.getAttribute(key));
        if (values.length) this.presets[key] = values;
      }
      const wanted = !this.hasAttribute('facets') ? keys.slice(0, DEFAULT_FACET_COUNT)
        : this.getAttribute('facets').trim() === '*' ? keys
          : listAttribute(this.getAttribute('facets'));
      this.shownFacets = wanted.filter((key) => keys.includes(key) && !this.presets[key]);
      for (const key of this.shownFacets) {
        if (!this.state.filters[key]) this.state.filters[key] = new Set();
      }
    }

    suggestionLabel(kind) {
      if (kind === 'recent') return 'Recent';
      if (kind === 'clear-recent') return '';
      return this.kindLabel(kind) || 'Page';
    }

    kindLabel(key) {
      const kind = this.kinds.find((k) => k.key === key);
      return kind ? kind.label : null;
    }

    disconnectedCallback() {
      if (this.onPopState) window.removeEventListener('popstate', this.onPopState);
      if (this.onHotkey) document.removeEventListener('keydown', this.onHotkey);
      if (hotkeyOwner === this) hotkeyOwner = null;
      // Taken off the page (a single-page app changing views): nothing of it stays behind,
      // no page left inert or unscrollable, no late answer writing the address or title.
      clearTimeout(this.timer);
      this.seq++;
      this.suggestSeq++;
      if (this.controller) this.controller.abort();
      if (this.overlay && !this.overlay.hidden) this.close(false);
    }

    build() {
      const n = this.id_;
      const placeholder = this.getAttribute('placeholder') || 'Search credentials, jobs, programs…';
      this.input = h('input', {
        type: 'search', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
        'aria-controls': `him-suggestions-${n}`, 'aria-label': this.getAttribute('label') || 'Search',
        autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', enterkeyhint: 'search',
        placeholder, maxlength: '512', part: 'input',
      });
      this.list = h('ul', { id: `him-suggestions-${n}`, role: 'listbox', class: 'suggestions', hidden: true, 'aria-label': 'Suggestions' });
      this.status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
      this.didYouMean = h('p', { class: 'didyoumean', hidden: true });
      this.help = h('div', { class: 'help', hidden: true });
      this.hits = h('ol', { class: 'hits', 'aria-label': 'Results' });
      this.pager = h('nav', { class: 'pager', 'aria-label': 'Result pages' });
      this.facetGroups = h('div', { class: 'groups', id: `him-filters-${n}` });
      this.filtersToggle = h('button', { type: 'button', class: 'filters-toggle', 'aria-expanded': 'false',
        'aria-controls': `him-filters-${n}` }, 'Filters');
      this.filtersToggle.addEventListener('click', () => {
        const open = !this.facetsBox.classList.contains('open');
        this.facetsBox.classList.toggle('open', open);
        this.filtersToggle.setAttribute('aria-expanded', String(open));
      });
      // Filters come first on the page: one key press skips them to the results.
      const skip = h('button', { type: 'button', class: 'skip link' }, 'Skip to results');
      skip.addEventListener('click', () => {
        if (this.hits.querySelector('a')) this.focusHit(0); else this.input.focus();
      });
      this.facetsBox = h('aside', { class: 'facets', 'aria-label': 'Filters', hidden: true }, skip, this.filtersToggle, this.facetGroups);
      this.chips = h('div', { class: 'chips', 'aria-label': 'Active filters', role: 'group' });
      const results = h('section', { class: 'results' }, this.status, this.chips, this.didYouMean, this.help, this.hits, this.pager);
      const body = h('div', { class: 'body' }, this.facetsBox, results);
      this.body = body;
      this.root = h('div', { class: 'root', part: 'root' }, h('div', { class: 'bar', role: 'search' }, this.input, this.list), body);

      if (this.mode === 'modal') {
        const mac = /Mac|iPhone|iPad/.test(navigator.platform || '');
        this.trigger = h('button', { type: 'button', class: 'trigger', 'aria-haspopup': 'dialog', part: 'trigger' },
          this.getAttribute('placeholder') || 'Search', h('kbd', { 'aria-hidden': 'true' }, mac ? '⌘K' : 'Ctrl K'));
        this.trigger.setAttribute('aria-keyshortcuts', mac ? 'Meta+K' : 'Control+K');
        const close = h('button', { type: 'button', class: 'close' }, 'Close');
        this.dialog = h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Search' },
          h('div', { class: 'dialog-head' }, h('kbd', { class: 'hint', 'aria-hidden': 'true' }, 'Esc'), close), this.root,
          h('p', { class: 'hints', 'aria-hidden': 'true' }, h('kbd', null, '↑'), h('kbd', null, '↓'), ' to move · ',
            h('kbd', null, 'Enter'), ' to open · ', h('kbd', null, 'Esc'), ' to close'));
        this.overlay = h('div', { class: 'overlay', hidden: true }, this.dialog);
        this.shadow.append(this.trigger, this.overlay);
        this.trigger.addEventListener('click', () => this.open());
        close.addEventListener('click', () => this.close());
        this.overlay.addEventListener('mousedown', (event) => { if (event.target === this.overlay) this.close(); });
        this.dialog.addEventListener('keydown', (event) => this.trapFocus(event));
        this.onHotkey = (event) => {
          const k = event.key;
          if ((event.ctrlKey || event.metaKey) && (k === 'k' || k === 'K')) {
            event.preventDefault();
            if (this.overlay.hidden) this.open(); else this.close();
          } else if (k === '/' && this.overlay.hidden && !isEditable(event.composedPath()[0])) {
            event.preventDefault();
            this.open();
          }
        };
      } else {
        this.shadow.append(this.root);
      }

      this.input.addEventListener('input', () => {
        this.state.q = this.input.value;
        this.state.page = 1;
        this.schedule();
      });
      this.input.addEventListener('keydown', (event) => this.onInputKey(event));
      this.input.addEventListener('focus', () => this.showRecent());
      this.input.addEventListener('blur', () => setTimeout(() => {
        if (this.shadow.activeElement !== this.input) this.closeSuggestions();
      }, 120));
      this.list.addEventListener('mousedown', (event) => event.preventDefault());
      this.list.addEventListener('click', (event) => {
        const option = event.target.closest('[role="option"]');
        if (option) this.choose(Number(option.dataset.index));
      });
      this.hits.addEventListener('keydown', (event) => this.onHitsKey(event));
      // A result opened (click, Enter, middle click) is reported to the server's analytics.
      const opened = (event) => {
        const link = event.target.closest('a[part="hit"]');
        if (link && (event.type === 'click' || event.button === 1)) {
          remember(this.recentKey, this.state.q);
          this.reportClick(link.closest('li'));
        }
      };
      this.hits.addEventListener('click', opened);
      this.hits.addEventListener('auxclick', opened);
    }

    // Sends {type: 'click', query_id, id, position} for the hit in `item` of the results shown,
    // with navigator.sendBeacon (it outlives the page being left); with an API key, which a
    // beacon cannot carry, a keepalive fetch. Nothing is sent when the server records nothing.
    reportClick(item) {
      const response = this.lastResponse;
      if (!item || !response || !response.query_id) return;
      const rank = Number(item.dataset.position);
      if (!rank) return;
      const body = JSON.stringify({
        type: 'click', query_id: response.query_id, id: item.dataset.id,
        position: (response.page - 1) * response.per_page + rank,
      });
      const url = new URL('api/events', this.apiBase).href;
      try {
        if (!this.apiKey && navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
        fetch(url, { method: 'POST', keepalive: true, headers: this.requestHeaders(), body }).catch(() => {});
      } catch (error) {
        // Analytics never get in the reader's way.
      }
    }

    // ---- modal ----

    open() {
      if (!this.overlay || !this.overlay.hidden) return;
      // Back to where the reader was when it closes; the page behind neither scrolls nor
      // takes focus or clicks while it is open.
      this.returnFocus = document.activeElement;
      this.overlay.hidden = false;
      this.savedOverflow = document.documentElement.style.overflow;
      document.documentElement.style.overflow = 'hidden';
      this.inerted = [];
      for (let node = this; node && node.parentElement; node = node.parentElement) {
        for (const sibling of node.parentElement.children) {
          if (sibling !== node && !sibling.inert && sibling.tagName !== 'SCRIPT') {
            sibling.inert = true;
            this.inerted.push(sibling);
          }
        }
      }
      this.input.focus();
      this.input.select();
    }

    close(refocus = true) {
      if (!this.overlay || this.overlay.hidden) return;
      this.closeSuggestions();
      this.overlay.hidden = true;
      document.documentElement.style.overflow = this.savedOverflow || '';
      for (const node of this.inerted || []) node.inert = false;
      this.inerted = [];
      const back = this.returnFocus;
      this.returnFocus = null;
      if (!refocus) return;
      if (back && back !== document.body && back.isConnected && back !== this) back.focus();
      else this.trigger.focus();
    }

    trapFocus(event) {
      if (event.key === 'Escape') {
        event.preventDefault();
        // Open suggestions close first, as the box's own Esc would; then the dialog.
        if (!this.list.hidden) this.closeSuggestions(); else this.close();
        return;
      }
      if (event.key !== 'Tab') return;
      const focusable = [...this.dialog.querySelectorAll('button:not([disabled]), input, a[href]')]
        .filter((node) => node.offsetParent !== null);
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      const current = this.shadow.activeElement;
      if (event.shiftKey && current === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && current === last) { event.preventDefault(); first.focus(); }
    }

    // ---- keyboard ----

    onInputKey(event) {
      const open = !this.list.hidden && this.suggestions.length > 0;
      switch (event.key) {
        case 'ArrowDown':
          event.preventDefault();
          if (open) this.setActive(Math.min(this.active + 1, this.suggestions.length - 1));
          else this.focusHit(0);
          break;
        case 'ArrowUp':
          if (open) { event.preventDefault(); this.setActive(Math.max(this.active - 1, -1)); }
          break;
        case 'Enter':
          event.preventDefault();
          if (open && this.active >= 0) this.choose(this.active);
          else { this.closeSuggestions(); remember(this.recentKey, this.state.q); this.search({ history: 'push' }); }
          break;
        case 'Escape':
          // In the dialog, the dialog's handler closes the suggestions, then the dialog.
          if (open && this.mode !== 'modal') { event.preventDefault(); this.closeSuggestions(); }
          else if (this.mode !== 'modal' && this.input.value) {
            event.preventDefault();
            this.input.value = '';
            this.state.q = '';
            this.state.page = 1;
            this.search({ history: 'push' });
          }
          break;
        default:
      }
    }

    onHitsKey(event) {
      const links = [...this.hits.querySelectorAll('a')];
      const index = links.indexOf(this.shadow.activeElement);
      if (index < 0) return;
      if (event.key === 'ArrowDown') { event.preventDefault(); this.focusHit(index + 1); }
      else if (event.key === 'ArrowUp') {
        event.preventDefault();
        if (index === 0) this.input.focus(); else this.focusHit(index - 1);
      } else if (event.key === 'Escape' && this.mode !== 'modal') { event.preventDefault(); this.input.focus(); }
    }

    focusHit(index) {
      const links = this.hits.querySelectorAll('a');
      if (links.length) links[Math.min(index, links.length - 1)].focus();
    }

    // ---- suggestions ----

    setActive(index) {
      this.active = index;
      [...this.list.children].forEach((option, i) => option.setAttribute('aria-selected', String(i === index)));
      if (index >= 0) {
        const option = this.list.children[index];
        this.input.setAttribute('aria-activedescendant', option.id);
        option.scrollIntoView({ block: 'nearest' });
      } else {
        this.input.removeAttribute('aria-activedescendant');
      }
    }

    choose(index) {
      const suggestion = this.suggestions[index];
      if (!suggestion) return;
      if (suggestion.kind === 'clear-recent') {
        try { localStorage.removeItem(this.recentKey); } catch (_) { /* nothing kept */ }
        this.closeSuggestions();
        return;
      }
      if (suggestion.kind === 'title') {
        this.openPage(suggestion.text);
        return;
      }
      this.input.value = suggestion.text;
      this.state.q = suggestion.text;
      this.closeSuggestions();
      this.search({ history: 'push' });
    }

    // A page suggested by its title opens that page, as a result would: the page whose title
    // it is, found by searching for it; failing that, the title is searched for.
    async openPage(title) {
      this.closeSuggestions();
      clearTimeout(this.timer);
      const seq = ++this.seq;
      // Suggested titles stop at a " | " site suffix; hits' titles may keep one.
      const bare = (text) => text.split(' | ')[0].trim().toLowerCase();
      try {
        const params = new URLSearchParams({ q: title, per_page: '5' });
        for (const [kind, values] of Object.entries(this.presets)) {
          for (const value of values) params.append(kind, value);
        }
        const url = new URL('api/search', this.apiBase);
        url.search = params.toString();
        const response = await fetch(url, { headers: this.requestHeaders() });
        const body = response.ok ? await response.json() : null;
        if (seq !== this.seq) return;
        const hit = body && body.hits.find((h) => bare(h.title) === bare(title));
        const href = hit && safeHref(hit.url, this.hitBase);
        if (href) {
          remember(this.recentKey, title);
          window.location.assign(href);
          return;
        }
      } catch (_) {
        // Searched for below.
      }
      if (seq !== this.seq) return;
      this.input.value = title;
      this.state.q = title;
      this.state.page = 1;
      this.search({ history: 'push' });
    }

    // With the box empty and focused: the recent searches, and a way to forget them.
    showRecent() {
      if (!this.recentKey || this.quietFocus) return;
      const recent = recentSearches(this.recentKey);
      if (!recent.length || this.input.value.trim()) return;
      this.suggestSeq++;
      this.state.q = '';
      this.renderSuggestions([...recent.map((text) => ({ text, kind: 'recent' })),
        { text: 'Clear recent searches', kind: 'clear-recent' }]);
    }

    closeSuggestions() {
      this.suggestSeq++;
      this.list.hidden = true;
      this.input.setAttribute('aria-expanded', 'false');
      this.setActive(-1);
    }

    renderSuggestions(suggestions) {
      this.suggestions = suggestions.filter((s) => s.text.toLowerCase() !== this.state.q.trim().toLowerCase());
      this.active = -1;
      this.list.replaceChildren(...this.suggestions.map((s, i) =>
        h('li', { id: `him-s${this.id_}-${i}`, role: 'option', 'aria-selected': 'false', 'data-index': i },
          h('span', null, s.text), h('span', { class: 'kind' }, this.suggestionLabel(s.kind)))));
      const show = this.suggestions.length > 0 && this.shadow.activeElement === this.input;
      this.list.hidden = !show;
      this.input.setAttribute('aria-expanded', String(show));
      this.input.removeAttribute('aria-activedescendant');
    }

    async fetchSuggestions() {
      const q = this.state.q.trim();
      const seq = ++this.suggestSeq;
      if (q.length < 2) { this.closeSuggestions(); return; }
      try {
        const url = new URL('api/suggest', this.apiBase);
        url.searchParams.set('q', q);
        url.searchParams.set('limit', '6');
        const response = await fetch(url, { headers: this.requestHeaders() });
        if (!response.ok) return;
        const body = await response.json();
        if (seq === this.suggestSeq) this.renderSuggestions(body.suggestions || []);
      } catch (_) {
        // Suggestions are an extra; the search itself reports errors.
      }
    }

    // ---- searching ----

    requestHeaders() {
      const headers = { Accept: 'application/json' };
      if (this.apiKey) headers['X-Api-Key'] = this.apiKey;
      return headers;
    }

    hasFilters() {
      return this.shownFacets.some((kind) => this.state.filters[kind].size > 0);
    }

    schedule() {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        const q = this.state.q.trim();
        this.fetchSuggestions();
        // One letter finds everything and nothing: what is shown stays until a word forms.
        if (q.length > 0 && q.length < MIN_TYPED_CHARS) return;
        // The first query typed gets its own history entry, so Back returns to before it; the
        // letters typed after it replace that entry.
        this.search({ history: this.typing ? 'replace' : 'push', typed: true });
      }, DEBOUNCE_MS);
    }

    params() {
      const params = new URLSearchParams();
      if (this.state.q.trim()) params.set('q', this.state.q.trim());
      for (const kind of this.shownFacets) {
        for (const value of this.state.filters[kind]) params.append(kind, value);
      }
      if (this.state.page > 1) params.set('page', String(this.state.page));
      return params;
    }

    async search({ history, typed = false }) {
      clearTimeout(this.timer);
      this.typing = typed;
      const seq = ++this.seq;
      if (this.controller) this.controller.abort();
      if (this.urlState && history !== 'none') this.writeUrl(history);
      if (!this.state.q.trim() && !this.browse && !this.hasFilters()) {
        this.clearResults();
        return true;
      }
      const params = this.params();
      for (const [kind, values] of Object.entries(this.presets)) {
        for (const value of values) params.append(kind, value);
      }
      params.set('per_page', String(this.perPage));
      const url = new URL('api/search', this.apiBase);
      url.search = params.toString();
      this.controller = new AbortController();
      // Busy: the results, not the status line, which announces the search.
      this.hits.setAttribute('aria-busy', 'true');
      // While it runs, what is shown is dimmed and the status says what is being searched:
      // results never sit under a query they do not answer.
      const wanted = this.state.q.trim();
      this.root.classList.add('loading');
      this.status.classList.remove('error');
      this.status.replaceChildren(h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        wanted ? `Searching for “${wanted}”…` : 'Searching…');
      try {
        const response = await fetch(url, { signal: this.controller.signal, headers: this.requestHeaders() });
        const body = await response.json().catch(() => null);
        if (seq !== this.seq) return false;
        if (!response.ok) {
          const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
          this.renderError(message);
          return false;
        }
        this.render(body);
        return true;
      } catch (error) {
        if (seq !== this.seq || (error && error.name === 'AbortError')) return false;
        this.renderError('the search service could not be reached');
        return false;
      } finally {
        if (seq === this.seq) {
          this.hits.removeAttribute('aria-busy');
          this.root.classList.remove('loading');
        }
      }
    }

    clearResults() {
      this.lastResponse = null;
      this.root.classList.remove('loading');
      this.hits.removeAttribute('aria-busy');
      delete this.root.dataset.query;
      this.setTitle('');
      this.status.textContent = '';
      this.status.classList.remove('error');
      this.didYouMean.hidden = true;
      this.help.hidden = true;
      this.hits.replaceChildren();
      this.pager.replaceChildren();
      this.renderFacets(null);
      this.dispatchEvent(new CustomEvent('him-results', { detail: { total: 0, query: '' } }));
    }

    renderError(message) {
      this.status.classList.add('error');
      const retry = h('button', { type: 'button', class: 'link' }, 'Try again');
      // Focus goes to the box when it worked, to the new "Try again" when it failed again.
      retry.addEventListener('click', () => this.search({ history: 'none' })
        .then((ok) => (ok ? this.input : (this.status.querySelector('button') || this.input)).focus()));
      this.status.replaceChildren(`Search failed: ${message}. `, retry);
      this.didYouMean.hidden = true;
      this.help.hidden = true;
      this.hits.replaceChildren();
      this.pager.replaceChildren();
      // The counts of another query's results would offer filters that do not apply.
      this.lastResponse = null;
      this.renderFacets(null);
    }

    setTitle(query) {
      if (!this.urlState) return;
      document.title = query ? `${query} · ${this.baseTitle}` : this.baseTitle;
    }

    clearFilters() {
      for (const kind of this.shownFacets) this.state.filters[kind].clear();
      this.state.page = 1;
      this.search({ history: 'push' }).then(() => this.focusBox());
    }

    // Focus put back in the box by the widget, not by the reader: no recent searches pop up.
    focusBox() {
      this.quietFocus = true;
      this.input.focus();
      this.quietFocus = false;
    }

    render(response) {
      this.lastResponse = response;
      // Which query the shown results answer (tests and host pages can tell stale from fresh).
      this.root.dataset.query = response.query;
      this.status.classList.remove('error');
      // Labelled with the query it answers, whatever the box holds by now.
      const q = (response.query || '').trim();
      this.setTitle(q);
      if (response.total === 0) {
        // Help instead of a dead end: tips, and a way out of the filters.
        const tips = h('ul', { class: 'tips' },
          h('li', null, 'Check the spelling, or try the full name of a credential or job title.'),
          h('li', null, 'Try fewer or more general words.'));
        this.status.textContent = q ? `No results for “${q}”.` : 'No results.';
        const help = [tips];
        if (this.hasFilters()) {
          const clear = h('button', { type: 'button', class: 'link clear-filters' }, 'Clear the filters');
          clear.addEventListener('click', () => this.clearFilters());
          help.push(h('p', null, 'Some filters are on: ', clear, '.'));
        }
        this.help.replaceChildren(...help);
        this.help.hidden = false;
      } else {
        this.help.hidden = true;
        const first = (response.page - 1) * response.per_page + 1;
        const last = first + response.hits.length - 1;
        const noun = response.total === 1 ? 'result' : 'results';
        this.status.textContent = response.total > response.hits.length
          ? `${first}–${last} of ${response.total} ${noun}`
          : `${response.total} ${noun}`;
      }
      if (response.suggestion) {
        const fix = h('button', { type: 'button', class: 'link' }, response.suggestion);
        fix.addEventListener('click', () => {
          this.input.value = response.suggestion;
          this.state.q = response.suggestion;
          this.state.page = 1;
          // The button goes with the old results: focus goes back to the box.
          this.search({ history: 'push' }).then(() => this.focusBox());
        });
        this.didYouMean.replaceChildren('Did you mean ', fix, '?');
        this.didYouMean.hidden = false;
      } else {
        this.didYouMean.hidden = true;
      }
      this.hits.replaceChildren(...this.groupedHits(response.hits));
      this.renderPager(response);
      this.renderFacets(response);
      this.dispatchEvent(new CustomEvent('him-results', { detail: { total: response.total, query: response.query } }));
    }

    // Hits from sections of one page (the same address up to its #fragment) are listed under
    // that page's first hit, indented, rather than as separate results.
    groupedHits(hits) {
      const items = [];
      const pages = new Map();
      hits.forEach((hit, i) => {
        const href = safeHref(hit.url, this.hitBase);
        const page = href ? href.split('#')[0] : null;
        const item = this.renderHit(hit, i + 1);
        const first = page && pages.get(page);
        if (first) {
          let sections = first.querySelector(':scope > .sections');
          if (!sections) {
            sections = h('ol', { class: 'sections', 'aria-label': 'More from this page' });
            first.append(sections);
          }
          item.classList.add('section');
          sections.append(item);
        } else {
          if (page) pages.set(page, item);
          items.push(item);
        }
      });
      return items;
    }

    renderHit(hit, position) {
      const href = safeHref(hit.url, this.hitBase);
      const tags = [];
      for (const kind of this.kinds.filter((k) => k.show_on_hits)) {
        for (const value of (hit.facets && hit.facets[kind.key]) || []) tags.push(h('span', { class: 'tag' }, value));
      }
      // The link holds the title alone, so it is named by it; the whole card opens it (the
      // link's ::after covers the card), and address, passage and tags describe it.
      const n = `him-h${this.id_}-${++this.hitIds}`;
      const described = [`${n}-s`, href ? `${n}-u` : null, tags.length ? `${n}-g` : null].filter(Boolean).join(' ');
      const title = h('span', { class: 'title' }, markedText(hit.title_parts));
      const link = href ? h('a', { href, part: 'hit', 'aria-describedby': described }, title) : title;
      return h('li', { class: 'hit', 'data-id': hit.id, 'data-position': position }, link,
        href ? h('span', { class: 'url', id: `${n}-u` }, displayUrl(href)) : null,
        h('span', { class: 'snippet', id: `${n}-s` }, markedText(hit.snippet_parts)),
        tags.length ? h('span', { class: 'tags', id: `${n}-g` }, ...tags.slice(0, 6)) : null);
    }

    renderPager(response) {
      const pages = Math.min(Math.ceil(response.total / response.per_page), 1000);
      if (pages <= 1) { this.pager.replaceChildren(); return; }
      const go = (page) => {
        this.state.page = page;
        this.search({ history: 'push' }).then((ok) => {
          if (!ok) return;
          this.focusHit(0);
          if (this.mode !== 'modal') this.root.scrollIntoView({ block: 'start' });
        });
      };
      const prev = h('button', { type: 'button', class: 'prev', disabled: response.page <= 1 }, '← Previous');
      const next = h('button', { type: 'button', class: 'next', disabled: response.page >= pages }, 'Next →');
      prev.addEventListener('click', () => go(response.page - 1));
      next.addEventListener('click', () => go(response.page + 1));
      // The first, the last, and two either side of this one; gaps shown as an ellipsis.
      const numbers = h('span', { class: 'pages' });
      let last = 0;
      for (let n = 1; n <= pages; n++) {
        if (n !== 1 && n !== pages && Math.abs(n - response.page) > 2) continue;
        if (n - last > 1) numbers.append(h('span', { 'aria-hidden': 'true' }, '…'));
        const current = n === response.page;
        const button = h('button', { type: 'button', 'aria-label': `Page ${n}`, 'aria-current': current ? 'page' : false }, String(n));
        if (!current) button.addEventListener('click', () => go(n));
        numbers.append(button);
        last = n;
      }
      this.pager.replaceChildren(prev, numbers, next);
    }

    renderFacets(response) {
      const groups = [];
      for (const kind of this.shownFacets) {
        const selected = this.state.filters[kind];
        const counts = new Map(((response && response.facets[kind]) || []).map((f) => [f.value, f.count]));
        for (const value of selected) if (!counts.has(value)) counts.set(value, 0);
        if (!response || counts.size === 0) continue;
        const entries = [...counts.entries()];
        const limit = this.expanded.has(kind) ? entries.length : FACET_VALUES_SHOWN;
        const visible = entries.filter(([value], i) => i < limit || selected.has(value));
        const fieldset = h('fieldset', { 'data-facet': kind }, h('legend', null, this.kindLabel(kind) || kind));
        for (const [value, count] of visible) {
          const box = h('input', { type: 'checkbox', value, checked: selected.has(value) });
          box.addEventListener('change', () => {
            if (box.checked) selected.add(value); else selected.delete(value);
            this.state.page = 1;
            this.search({ history: 'push' }).then(() => {
              const again = this.facetGroups.querySelector(`fieldset[data-facet="${CSS_escape(kind)}"] input[value="${CSS_escape(value)}"]`);
              if (again) again.focus();
            });
          });
          fieldset.append(h('label', { class: count ? 'facet-value' : 'facet-value empty' },
            box, h('span', { class: 'name' }, value), h('span', { class: 'count' }, String(count))));
        }
        if (entries.length > FACET_VALUES_SHOWN) {
          const more = h('button', { type: 'button', class: 'link', 'aria-expanded': String(this.expanded.has(kind)) },
            this.expanded.has(kind) ? 'Show fewer' : `Show all ${entries.length}`);
          more.addEventListener('click', () => {
            if (this.expanded.has(kind)) this.expanded.delete(kind); else this.expanded.add(kind);
            this.renderFacets(this.lastResponse);
            // The list is drawn anew: focus stays on its (new) toggle, not on the page.
            const again = this.facetGroups.querySelector(`fieldset[data-facet="${CSS_escape(kind)}"] > button.link`);
            if (again) again.focus();
          });
          fieldset.append(more);
        }
        groups.push(fieldset);
      }
      this.facetGroups.replaceChildren(...groups);
      this.facetsBox.hidden = groups.length === 0;
      this.body.classList.toggle('with-facets', groups.length > 0);
      const chosen = this.shownFacets.reduce((sum, kind) => sum + this.state.filters[kind].size, 0);
      this.filtersToggle.textContent = chosen ? `Filters (${chosen})` : 'Filters';
      this.renderChips();
    }

    // One chip per chosen value (pressing it removes the value), and "Clear all".
    renderChips() {
      const chips = [];
      for (const kind of this.shownFacets) {
        for (const value of this.state.filters[kind]) {
          const label = `${this.kindLabel(kind) || kind}: ${value}`;
          const chip = h('button', { type: 'button', class: 'chip', 'aria-label': `Remove filter ${label}` }, label, h('span', { 'aria-hidden': 'true' }, '×'));
          chip.addEventListener('click', () => {
            this.state.filters[kind].delete(value);
            this.state.page = 1;
            this.search({ history: 'push' }).then(() => {
              const next = this.chips.querySelector('.chip');
              if (next) next.focus(); else this.focusBox();
            });
          });
          chips.push(chip);
        }
      }
      if (chips.length) {
        const all = h('button', { type: 'button', class: 'link clear-all' }, 'Clear all');
        all.addEventListener('click', () => this.clearFilters());
        chips.push(all);
      }
      this.chips.replaceChildren(...chips);
    }

    // ---- URL state ----

    readUrl() {
      const params = new URLSearchParams(location.search);
      const p = this.urlPrefix;
      this.state.q = params.get(`${p}q`) || '';
      this.input.value = this.state.q;
      const page = parseInt(params.get(`${p}page`) || '1', 10);
      this.state.page = Number.isFinite(page) && page >= 1 ? Math.min(page, 1000) : 1;
      for (const kind of this.shownFacets) this.state.filters[kind] = new Set(params.getAll(`${p}${kind}`));
    }

    // The address with this widget's parameters in place of the old ones; the host page's
    // own parameters and fragment are kept as they were.
    writeUrl(history) {
      const p = this.urlPrefix;
      const ours = new Set([`${p}q`, `${p}page`, ...this.shownFacets.map((kind) => `${p}${kind}`)]);
      const params = new URLSearchParams(location.search);
      for (const key of [...params.keys()]) if (ours.has(key)) params.delete(key);
      for (const [key, value] of this.params()) params.append(`${p}${key}`, value);
      const search = params.toString();
      const url = location.pathname + (search ? `?${search}` : '') + location.hash;
      if (url === location.pathname + location.search + location.hash) return;
      if (history === 'push') window.history.pushState(null, '', url);
      else window.history.replaceState(null, '', url);
    }
  }

  function CSS_escape(value) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(value) : value.replace(/["\\]/g, '\\$&');
  }

  window.customElements.define('him-search', HimSearch);
})();
