// Collector.StartRun over plain HTTP/2 (node:http2) with a hand-encoded RunSpec, so the tests
// can create a run whose *name* is arbitrary text (actiscope-loadgen names runs by their id,
// and run ids are restricted to [A-Za-z0-9._-]). Only the fields the tests need are encoded:
//   RunSpec { 1: run_id, 2: name, 3: map<string,string> config, 4: host,
//             7: google.protobuf.Timestamp start_time { 1: seconds } }
import http2 from 'node:http2';

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

function field(number, wireType, payload) {
  return Buffer.concat([varint((number << 3) | wireType), payload]);
}

function bytesField(number, value) {
  const data = Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
  return field(number, 2, Buffer.concat([varint(data.length), data]));
}

export function encodeRunSpec({ runId, name, config = {}, host = 'browser-test' }) {
  const parts = [bytesField(1, runId), bytesField(2, name)];
  for (const [k, v] of Object.entries(config)) {
    parts.push(bytesField(3, Buffer.concat([bytesField(1, k), bytesField(2, v)])));
  }
  parts.push(bytesField(4, host));
  parts.push(bytesField(7, field(1, 0, varint(Math.floor(Date.now() / 1000)))));
  return Buffer.concat(parts);
}

// Resolves when the server answers grpc-status 0; rejects with its message otherwise.
export function startRun(grpcPort, spec) {
  return new Promise((resolve, reject) => {
    const client = http2.connect(`http://127.0.0.1:${grpcPort}`);
    client.on('error', reject);
    const message = encodeRunSpec(spec);
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(message.length, 1);
    const req = client.request({
      ':method': 'POST', ':path': '/actiscope.v1.Collector/StartRun',
      'content-type': 'application/grpc', te: 'trailers',
    });
    let status = null;
    let statusMessage = '';
    const readStatus = (headers) => {
      if (headers['grpc-status'] !== undefined) {
        status = Number(headers['grpc-status']);
        statusMessage = decodeURIComponent(headers['grpc-message'] || '');
      }
    };
    req.on('response', readStatus);
    req.on('trailers', readStatus);
    req.on('data', () => {});
    req.on('end', () => {
      client.close();
      if (status === 0) resolve();
      else reject(new Error(`StartRun failed: grpc-status ${status} ${statusMessage}`));
    });
    req.on('error', reject);
    req.end(Buffer.concat([frame, message]));
  });
}
