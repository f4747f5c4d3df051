import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startTestFabrica, type TestFabrica } from './support/app.js';
import { STORE_KINDS } from './support/stores.js';

const NDJSON = { 'content-type': 'application/x-ndjson' };

for (const { kind, skip } of STORE_KINDS) {
  describe(`training datasets (${kind})`, { skip }, () => {
    let f: TestFabrica;
    before(async () => {
      f = await startTestFabrica(kind);
    });
    after(() => f.close());
    const count = async () => (await f.request('GET', '/factory/datasets')).body.datasets.length as number;

    it('stores the shipped JSON Lines file with a seeded split of stated sizes; the same file again changes nothing', async () => {
      const text = readFileSync('examples/datasets/topics.ru-en.jsonl', 'utf8');
      const r = await f.request('POST', '/factory/datasets?name=topics&holdout=0.25&seed=3', {
        rawBody: text,
        headers: NDJSON,
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.created, true);
      const d = r.body.dataset;
      assert.deepEqual([d.name, d.version, d.size], ['topics', 1, 208]);
      assert.deepEqual(d.split, { seed: 3, holdout_share: 0.25, train: 156, holdout: 52 });
      assert.match(d.sha256, /^[0-9a-f]{64}$/);
      const again = await f.request('POST', '/factory/datasets?name=topics&holdout=0.25&seed=3', {
        rawBody: text,
        headers: NDJSON,
      });
      assert.equal(again.status, 200);
      assert.deepEqual([again.body.created, again.body.dataset.id], [false, d.id]);
      // Pages of examples, each with its split; the holdout count matches the stated size.
      let offset: number | null = 0;
      const seen: any[] = [];
      while (offset !== null) {
        const page: any = await f.request('GET', `/factory/datasets/${d.id}?offset=${offset}&limit=50`);
        assert.equal(page.status, 200);
        seen.push(...page.body.examples);
        offset = page.body.next_offset;
      }
      assert.equal(seen.length, 208);
      assert.deepEqual(
        seen.map((e) => e.index),
        Array.from({ length: 208 }, (_, i) => i),
      );
      assert.equal(seen.filter((e) => e.split === 'holdout').length, 52);
      assert.deepEqual(seen[0].input, JSON.parse(text.split('\n')[0]!).input);
      // A changed file under the same name is its next version, with another hash.
      const changed = text.replace('Heavy rain', 'Heavy snow');
      const v2 = await f.request('POST', '/factory/datasets?name=topics&holdout=0.25&seed=3', {
        rawBody: changed,
        headers: NDJSON,
      });
      assert.equal(v2.status, 201);
      assert.equal(v2.body.dataset.version, 2);
      assert.notEqual(v2.body.dataset.sha256, d.sha256);
      // The same content as JSON is the same dataset.
      const asJson = await f.request('POST', '/factory/datasets', {
        body: {
          name: 'topics',
          holdout: 0.25,
          seed: 3,
          examples: text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        },
      });
      assert.deepEqual([asJson.status, asJson.body.dataset.id], [200, d.id]);
      const list = await f.request('GET', '/factory/datasets');
      assert.deepEqual(list.body.datasets.map((x: { version: number }) => x.version).sort(), [1, 2]);
    });

    it('bad lines → 400 naming every line number; nothing is stored', async () => {
      const before = await count();
      const head = await f.request('GET', '/audit/verify');
      const text = [
        '{"input":"ok","expected":"a"}',
        '{"input":"x"',
        '',
        '{"expected":"b"}',
        '{"input":"y","expected":"c","secret":"s3cr3t-value"}',
        '{"input":"z","expected":"d"}',
      ].join('\n');
      const r = await f.request('POST', '/factory/datasets?name=bad', { rawBody: text, headers: NDJSON });
      assert.equal(r.status, 400);
      assert.equal(r.body.code, 'invalid_dataset');
      assert.deepEqual(r.body.lines, [2, 4, 5]);
      assert.match(r.body.reason, /line 2: not valid JSON/);
      assert.ok(!JSON.stringify(r.body).includes('s3cr3t-value'), 'values sent are not echoed');
      const json = await f.request('POST', '/factory/datasets', {
        body: { name: 'bad', examples: [{ input: 'a', expected: 'b' }, 'nope', { input: 1 }] },
      });
      assert.equal(json.status, 400);
      assert.deepEqual(json.body.lines, [2, 3]);
      for (const body of [{ name: 'empty', examples: [] }, { name: 'blank' }]) {
        const e = await f.request('POST', '/factory/datasets', { body });
        assert.equal(e.status, 400, JSON.stringify(e.body));
      }
      const blank = await f.request('POST', '/factory/datasets?name=blank', {
        rawBody: '\n\n',
        headers: NDJSON,
      });
      assert.deepEqual([blank.status, blank.body.code], [400, 'invalid_dataset']);
      const noName = await f.request('POST', '/factory/datasets', {
        body: { examples: [{ input: 'a', expected: 'b' }] },
      });
      assert.deepEqual([noName.status, noName.body.field], [400, 'body.name']);
      const badShare = await f.request('POST', '/factory/datasets', {
        body: { name: 'x', holdout: 1, examples: [{ input: 'a', expected: 'b' }] },
      });
      assert.deepEqual([badShare.status, badShare.body.field], [400, 'body.holdout']);
      assert.equal(await count(), before);
      assert.equal((await f.request('GET', '/audit/verify')).body.head_seq, head.body.head_seq);
      assert.equal((await f.request('GET', '/factory/datasets/ds_nope')).status, 404);
    });
  });
}
