import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCompletion {
  readonly model: string;
  readonly stream: boolean;
  readonly messages: { role: string; content: string }[];
  readonly auth: string | undefined;
}

/**
 * A local OpenAI-compatible server for tests: it records each chat-completion request and answers
 * "summary N" (N counting requests), streamed as server-sent events when asked, with token usage.
 * `failWith` makes it answer that HTTP status with an OpenAI-style error instead.
 */
export async function startFakeOpenAI() {
  const requests: RecordedCompletion[] = [];
  const state = { failWith: 0 };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as { model: string; stream?: boolean; messages: RecordedCompletion['messages'] };
      requests.push({ model: body.model, stream: body.stream === true, messages: body.messages, auth: req.headers.authorization });
      if (state.failWith) {
        res.writeHead(state.failWith, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }));
        return;
      }
      const text = `summary ${requests.length}`;
      const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 };
      const base = { id: `c${requests.length}`, created: 0, model: body.model };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: text } }], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (choices: unknown[], extra = {}) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`);
      for (const piece of text.split(/(?= )/)) chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
      chunk([], { usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    state,
    reset() {
      requests.length = 0;
      state.failWith = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The data lines between the <conversation> delimiters of a recorded request. */
export function conversationOf(request: RecordedCompletion): string[] {
  const user = request.messages[1]?.content ?? '';
  return user.split('<conversation>\n')[1]?.split('\n</conversation>')[0]?.split('\n') ?? [];
}
