import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { FetchLike } from '../../shared/client/index.js';

// One connection reused across a command's requests.
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

/**
 * The client library's `fetch`, over node:http. Node's global fetch loads undici on first use, which
 * costs a short-lived command like `chat send` more than its whole request.
 */
export const nodeFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const req = (secure ? httpsRequest : httpRequest)(
      target,
      {
        method: init.method,
        headers: { ...init.headers, ...(init.body === undefined ? {} : { 'content-length': Buffer.byteLength(init.body) }) },
        agent: secure ? httpsAgent : httpAgent,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        // Answered at the headers: the body is read whole (text) or as it comes (chunks), once.
        const status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        resolve({
          status,
          ok: status >= 200 && status < 300,
          text: async () => {
            let body = '';
            for await (const chunk of res) body += chunk as string;
            return body;
          },
          chunks: () => res as AsyncIterable<string>,
        });
      },
    );
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
