import { it } from 'vitest';
import { startTestApp } from '/work/main/test/support/app.ts';
import { signedInAs } from '/work/main/test/support/client.ts';
it('peek', async () => {
  const t = await startTestApp('embedded');
  const { client } = await signedInAs(t.app, [{ role: 'system-admin' }]);
  const r = await client.get('/admin/clock-rules/rapid-review/new-version');
  console.log(r.body.split('\n').filter((l) => /length|textarea|appliesFrom/.test(l)).join('\n'));
  const p = await client.post('/admin/bank-holidays/import', { json: '{"a": "30/03/2029"}' }, { from: '/admin/bank-holidays' });
  console.log(p.body.split('\n').filter((l) => /textarea|json/.test(l)).join('\n'));
  await t.close();
});
