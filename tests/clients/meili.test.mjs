// Meilisearch's own JavaScript client against `himsearch serve` on the shipped corpus: every
// answer must equal himsearch's API for the same request (same ids, same order, same counts).
// Run by tests/meili.rs with HIMSEARCH_URL and HIMSEARCH_KEY set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';

const host = process.env.HIMSEARCH_URL;
const apiKey = process.env.HIMSEARCH_KEY;
const client = new Meilisearch({ host, apiKey });
const index = client.index('him');

// himsearch's own API, for the same request.
async function api(params) {
  const url = new URL('/api/search', host);
  for (const [key, value] of params) url.searchParams.append(key, value);
  const response = await fetch(url, { headers: { Authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return response.json();
}

const ids = (hits) => hits.map((hit) => hit.id);

test('a query: same hits in the same order, same total', async () => {
  for (const q of ['rhit exam', 'medical coder', 'cahiim accredited programs', 'how long keep records']) {
    const ours = await api([['q', q], ['per_page', '10']]);
    const theirs = await index.search(q, { limit: 10 });
    assert.deepEqual(ids(theirs.hits), ids(ours.hits), q);
    assert.equal(theirs.estimatedTotalHits, ours.total, q);
    assert.equal(theirs.query, q);
    assert.equal(typeof theirs.processingTimeMs, 'number');
    assert.equal(theirs.offset, 0);
    assert.equal(theirs.limit, 10);
    assert.ok(ours.total > 0, q);
  }
});

test('filters in both syntaxes equal the API filters', async () => {
  const ours = await api([['q', 'exam'], ['credential', 'RHIT'], ['credential', 'RHIA'], ['per_page', '20']]);
  const string = await index.search('exam', { filter: 'credential IN [RHIT, RHIA]', limit: 20 });
  const array = await index.search('exam', { filter: [['credential = RHIT', 'credential = "RHIA"']], limit: 20 });
  for (const theirs of [string, array]) {
    assert.deepEqual(ids(theirs.hits), ids(ours.hits));
    assert.equal(theirs.estimatedTotalHits, ours.total);
  }
  assert.ok(ours.total > 2);

  const kinds = await api([['q', 'coding'], ['credential', 'CCS'], ['topic', 'Coding'], ['per_page', '10']]);
  const both = await index.search('coding', { filter: 'credential = CCS AND topic = "Coding"', limit: 10 });
  assert.deepEqual(ids(both.hits), ids(kinds.hits));
  assert.equal(both.estimatedTotalHits, kinds.total);
  const array2 = await index.search('coding', { filter: ['credential = CCS', ['topic = Coding']], limit: 10 });
  assert.deepEqual(ids(array2.hits), ids(kinds.hits));
});

test('OR across kinds and NOT: the set the API gives piece by piece', async () => {
  const all = async (params) => {
    const found = new Set();
    for (let page = 1; ; page += 1) {
      const body = await api([...params, ['per_page', '100'], ['page', String(page)]]);
      body.hits.forEach((hit) => found.add(hit.id));
      if (page * 100 >= body.total) return found;
    }
  };
  const rhit = await all([['credential', 'RHIT']]);
  const coding = await all([['topic', 'Coding']]);
  const union = new Set([...rhit, ...coding]);
  const theirs = await index.search('', { filter: 'credential = RHIT OR topic = Coding', limit: 1000 });
  assert.equal(theirs.estimatedTotalHits, union.size);
  assert.equal(theirs.hits.length, Math.min(100, union.size));
  for (const hit of theirs.hits) assert.ok(union.has(hit.id), hit.id);

  const everything = (await api([['per_page', '1']])).total;
  const not = await index.search('', { filter: 'NOT credential = RHIT', limit: 0 });
  assert.equal(not.estimatedTotalHits, everything - rhit.size);
  assert.deepEqual(not.hits, []);
});

test('facet distribution equals the API counts', async () => {
  const ours = await api([['q', 'coding']]);
  const theirs = await index.search('coding', { facets: ['credential', 'job_title'] });
  assert.deepEqual(Object.keys(theirs.facetDistribution).sort(), ['credential', 'job_title']);
  for (const kind of ['credential', 'job_title']) {
    const expected = Object.fromEntries(ours.facets[kind].filter((c) => c.count > 0).map((c) => [c.value, c.count]));
    assert.deepEqual(theirs.facetDistribution[kind], expected, kind);
  }
  const star = await index.search('coding', { facets: ['*'], limit: 0 });
  assert.deepEqual(Object.keys(star.facetDistribution).sort(), Object.keys(ours.facets).sort());
  // Not disjunctive: under a filter, a kind's counts are those of the filtered matches.
  const filtered = await index.search('coding', { facets: ['credential'], filter: 'credential = CCS' });
  assert.deepEqual(Object.keys(filtered.facetDistribution.credential).includes('CCS'), true);
  assert.equal(filtered.facetDistribution.credential.CCS, filtered.estimatedTotalHits);
});

test('pages: page and hitsPerPage, offset and limit', async () => {
  const ours = await api([['q', 'health information'], ['page', '2'], ['per_page', '5']]);
  const paged = await index.search('health information', { page: 2, hitsPerPage: 5 });
  assert.deepEqual(ids(paged.hits), ids(ours.hits));
  assert.equal(paged.page, 2);
  assert.equal(paged.hitsPerPage, 5);
  assert.equal(paged.totalHits, ours.total);
  assert.equal(paged.totalPages, Math.ceil(ours.total / 5));
  const offset = await index.search('health information', { offset: 5, limit: 5 });
  assert.deepEqual(ids(offset.hits), ids(ours.hits));
  const shifted = await index.search('health information', { offset: 7, limit: 3 });
  const wide = await api([['q', 'health information'], ['per_page', '10']]);
  assert.deepEqual(ids(shifted.hits), ids(wide.hits).slice(7, 10));
});

test('highlights and crops', async () => {
  const ours = await api([['q', 'rhit'], ['per_page', '3']]);
  const theirs = await index.search('rhit', {
    limit: 3,
    attributesToHighlight: ['title'],
    highlightPreTag: '[',
    highlightPostTag: ']',
    attributesToCrop: ['content'],
    cropLength: 6,
    cropMarker: '…',
  });
  theirs.hits.forEach((hit, i) => {
    const expected = ours.hits[i].title_parts.map((part, k) => (k % 2 ? `[${part}]` : part)).join('');
    assert.equal(hit._formatted.title, expected);
    assert.equal(hit.title, ours.hits[i].title);
    const words = hit._formatted.content.replace(/…/g, ' ').trim().split(/\s+/);
    assert.ok(words.length <= 6, hit._formatted.content);
    assert.ok(hit.url && hit.id && Array.isArray(hit.credential), JSON.stringify(hit));
  });
  const retrieved = await index.search('rhit', { limit: 1, attributesToRetrieve: ['id', 'title'], showRankingScore: true });
  assert.deepEqual(Object.keys(retrieved.hits[0]).sort(), ['_rankingScore', 'id', 'title']);
  assert.ok(retrieved.hits[0]._rankingScore > 0 && retrieved.hits[0]._rankingScore < 1);
});

test('matching strategy all requires every word', async () => {
  const last = await index.search('rhit salary', { limit: 50 });
  const all = await index.search('rhit salary', { limit: 50, matchingStrategy: 'all' });
  assert.ok(all.estimatedTotalHits > 0 && all.estimatedTotalHits < last.estimatedTotalHits);
});

test('multi-search answers each query in order', async () => {
  const { results } = await client.multiSearch({
    queries: [
      { indexUid: 'him', q: 'rhit', limit: 2 },
      { indexUid: 'him', q: 'coder', limit: 0, facets: ['job_title'] },
    ],
  });
  assert.equal(results.length, 2);
  assert.equal(results[0].indexUid, 'him');
  assert.deepEqual(ids(results[0].hits), ids((await api([['q', 'rhit'], ['per_page', '2']])).hits));
  assert.deepEqual(results[1].hits, []);
  assert.ok(Object.keys(results[1].facetDistribution.job_title).length > 0);
});

test('errors reach the client in the protocol shape', async () => {
  const expectError = async (promise, code, status) => {
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof MeilisearchApiError, String(err));
      assert.equal(err.cause.code, code);
      assert.equal(err.response.status, status);
      return true;
    });
  };
  await expectError(index.search('rhit', { filter: 'credential RHIT' }), 'invalid_search_filter', 400);
  await expectError(index.search('rhit', { filter: 'colour = red' }), 'invalid_search_filter', 400);
  await expectError(index.search('rhit', { facets: ['colour'] }), 'invalid_search_facets', 400);
  await expectError(index.search('rhit', { sort: ['title:asc'] }), 'invalid_search_sort', 400);
  await expectError(client.index('other').search('rhit'), 'index_not_found', 404);
  await expectError(new Meilisearch({ host, apiKey: 'wrong-key-wrong-key' }).index('him').search('rhit'), 'invalid_api_key', 403);
  await expectError(index.addDocuments([{ id: 'x' }]), 'not_implemented', 501);
  const filterError = await index.search('rhit', { filter: 'credential = RHIT AND' }).catch((e) => e);
  assert.match(filterError.message, /22:22 credential = RHIT AND/);
});

test('facet search: the values a searchable refinement list offers', async () => {
  const ours = await api([['q', 'exam']]);
  const { facetHits, facetQuery } = await index.searchForFacetValues({ facetName: 'credential', facetQuery: 'rh', q: 'exam' });
  assert.equal(facetQuery, 'rh');
  const expected = ours.facets.credential.filter((c) => c.count > 0 && c.value.toLowerCase().startsWith('rh'));
  assert.deepEqual(facetHits, expected);
  assert.ok(facetHits.length >= 2, JSON.stringify(facetHits));
});

test('a filter limits the hits and never reorders them', async () => {
  const inList = await index.search('coding', { filter: 'credential IN [CCS, CPC, RHIT]', limit: 20 });
  const ors = await index.search('coding', { filter: 'credential = CCS OR credential = CPC OR credential = RHIT', limit: 20 });
  assert.deepEqual(ids(ors.hits), ids(inList.hits));
  const unfiltered = await index.search('coding', { limit: 1000 });
  const order = ids(unfiltered.hits);
  // The unfiltered answer holds its first 100 hits: the filtered hits among them keep its order.
  const positions = ids(inList.hits).map((id) => order.indexOf(id)).filter((p) => p >= 0);
  assert.ok(positions.length >= 5, JSON.stringify(positions));
  assert.ok(positions.every((p, i) => i === 0 || p > positions[i - 1]), JSON.stringify(positions));
  const empty = await index.search('', { filter: 'credential IS EMPTY', limit: 0 });
  assert.equal(empty.estimatedTotalHits, 0);
  const absent = await index.search('', { filter: 'credential NOT EXISTS', limit: 5 });
  for (const hit of absent.hits) assert.equal(hit.credential, undefined, JSON.stringify(hit));
});

test('index, settings, health and version', async () => {
  const info = await index.getRawInfo();
  assert.equal(info.uid, 'him');
  assert.equal(info.primaryKey, 'id');
  assert.ok(!Number.isNaN(Date.parse(info.updatedAt)));
  const kinds = await index.getFilterableAttributes();
  assert.ok(kinds.includes('credential') && kinds.includes('job_title'), JSON.stringify(kinds));
  assert.deepEqual(await client.health(), { status: 'available' });
  assert.ok((await client.getVersion()).pkgVersion);
});
