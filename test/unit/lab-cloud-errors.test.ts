// Lab cloud error bodies, spelled as each real service spells them.
import assert from 'node:assert/strict';
import { ApiError, badRequest, notFound, renderError, unauthorizedBody } from '../../lab/cloud/errors.ts';

describe('lab cloud error bodies', () => {
  it('compute and volume: {"itemNotFound": {code, message}} and the Nova fault names', () => {
    const r = renderError('compute', notFound('Instance x could not be found.'));
    assert.equal(r.status, 404);
    assert.deepEqual(JSON.parse(r.body), { itemNotFound: { code: 404, message: 'Instance x could not be found.' } });
    assert.deepEqual(Object.keys(JSON.parse(renderError('volume', badRequest('no')).body) as object), ['badRequest']);
    assert.deepEqual(Object.keys(JSON.parse(renderError('compute', new ApiError(409, 'busy')).body) as object), ['conflictingRequest']);
    assert.deepEqual(Object.keys(JSON.parse(renderError('compute', new ApiError(406, 'version')).body) as object), ['computeFault']);
  });

  it('network: {"NeutronError": {type, message, detail}}', () => {
    const r = renderError('network', notFound('Network n could not be found.', 'NetworkNotFound'));
    assert.deepEqual(JSON.parse(r.body), { NeutronError: { type: 'NetworkNotFound', message: 'Network n could not be found.', detail: '' } });
  });

  it('image: webob-style, JSON when asked for JSON, else plain text', () => {
    const j = renderError('image', notFound('No image found with ID i'), 'application/json');
    assert.deepEqual(JSON.parse(j.body), { message: 'No image found with ID i<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' });
    const t = renderError('image', notFound('No image found with ID i'), '*/*');
    assert.equal(t.contentType, 'text/plain; charset=UTF-8');
    assert.equal(t.body, '404 Not Found\n\nNo image found with ID i\n\n   ');
  });

  it('401 is keystonemiddleware\'s body for every service', () => {
    assert.deepEqual(JSON.parse(unauthorizedBody()), { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
  });
});
