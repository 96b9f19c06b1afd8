// Checks an Adaptive Card the way a renderer reads it, with Microsoft's `adaptivecards` package, against version 1.4:
// unknown elements, properties newer than 1.4 and invalid values are problems. A Workflow answers 202 and then drops a
// card it cannot post, so a card is checked before it is queued, not after Teams silently ignored it.
import { CARD_VERSION } from "./teams-card";

interface ParseEvent {
  phase: number;
  event: number;
  message: string;
}

interface AdaptiveCardsModule {
  SerializationContext: new (targetVersion?: unknown) => { eventCount: number; getEventAt(index: number): ParseEvent };
  AdaptiveCard: new () => {
    parse(json: unknown, context?: unknown): void;
    validateProperties(): { validationEvents: ParseEvent[] };
  };
  Versions: { v1_4: unknown };
}

let loaded: AdaptiveCardsModule | undefined;

function adaptiveCards(): AdaptiveCardsModule {
  // The package's `lib/` build uses extensionless ESM imports that Node cannot load; its UMD bundle works. Loaded on
  // first use only: it is large, and only the alert step needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous, lazy load of the UMD bundle (see above)
  loaded ??= require("adaptivecards/dist/adaptivecards.js") as AdaptiveCardsModule;
  return loaded;
}

/** The problems a 1.4 renderer would report for `card` (the AdaptiveCard object, not the message envelope); empty when valid. */
export function cardProblems(card: unknown): string[] {
  const problems: string[] = [];
  if (typeof card !== "object" || card === null || (card as { type?: unknown }).type !== "AdaptiveCard")
    return ["not an AdaptiveCard object"];
  const version = String((card as { version?: unknown }).version ?? "");
  if (!/^1\.[0-4]$/.test(version))
    problems.push(`version must be ${CARD_VERSION} or lower, found ${JSON.stringify(version)}`);
  const ac = adaptiveCards();
  const context = new ac.SerializationContext(ac.Versions.v1_4);
  const parsed = new ac.AdaptiveCard();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i += 1) problems.push(context.getEventAt(i).message);
  for (const event of parsed.validateProperties().validationEvents) problems.push(event.message);
  return problems;
}

/** The card inside a Teams message envelope, or undefined when the envelope is not the one Workflows accept. */
export function cardOfEnvelope(message: unknown): unknown {
  if (typeof message !== "object" || message === null) return undefined;
  const { type, attachments } = message as { type?: unknown; attachments?: unknown };
  if (type !== "message" || !Array.isArray(attachments) || attachments.length !== 1) return undefined;
  const attachment = attachments[0] as { contentType?: unknown; contentUrl?: unknown; content?: unknown };
  if (attachment.contentType !== "application/vnd.microsoft.card.adaptive" || attachment.contentUrl !== null)
    return undefined;
  return attachment.content;
}
