// A webhook for the tests on 127.0.0.1: records every POST (path, headers, body, time, what it answered) and answers
// 202 unless cued otherwise. Cues are per path and used in order: a status (with Retry-After and a body), "drop",
// which destroys the socket without an answer (a network error for the sender), or "hold", which never answers.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPost {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** What the receiver answered; 0 for a dropped connection. */
  answered: number;
}

export type Cue = { status: number; retryAfter?: string; body?: string } | "drop" | "hold";

export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  private readonly cues = new Map<string, Cue[]>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    // The handler answers through the receiver, which exists once the server listens (before any request arrives).
    const ready: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () =>
        ready.receiver!.answer(request.url ?? "/", request.headers, Buffer.concat(chunks).toString("utf8"), response),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ready.receiver = new WebhookReceiver(server, (server.address() as AddressInfo).port);
    return ready.receiver;
  }

  /** The URL of a webhook on this receiver. The `sig` query parameter stands for the secret part of a real one. */
  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}?sig=SECRET-${path.replace(/[^A-Za-z0-9]/g, "")}`;
  }

  cue(path: string, ...cues: Cue[]): void {
    this.cues.set(path, [...(this.cues.get(path) ?? []), ...cues]);
  }

  postsTo(path: string): ReceivedPost[] {
    return this.posts.filter((post) => post.path === path);
  }

  /** Bodies the receiver accepted (2xx), parsed. */
  acceptedBy(path: string): unknown[] {
    return this.postsTo(path)
      .filter((post) => post.answered >= 200 && post.answered < 300)
      .map((post) => JSON.parse(post.body) as unknown);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(
    url: string,
    headers: IncomingHttpHeaders,
    body: string,
    response: import("node:http").ServerResponse,
  ): void {
    const path = url.split("?")[0] ?? url;
    const cue = this.cues.get(path)?.shift() ?? { status: 202 };
    if (cue === "hold") {
      // Never answered: the sender waits (a webhook that hangs while its sender is killed). `answered` is -1.
      this.posts.push({ path, headers, body, at: Date.now(), answered: -1 });
      return;
    }
    if (cue === "drop") {
      this.posts.push({ path, headers, body, at: Date.now(), answered: 0 });
      response.socket?.destroy();
      return;
    }
    this.posts.push({ path, headers, body, at: Date.now(), answered: cue.status });
    response.writeHead(cue.status, {
      "content-type": "text/plain",
      ...(cue.retryAfter !== undefined ? { "retry-after": cue.retryAfter } : {}),
    });
    response.end(cue.body ?? "");
  }
}
