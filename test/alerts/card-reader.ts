// Reads a Teams message the way a person reads the card: header, facts, sections and their items (with the resource
// each item's history link points at), "and N more" lines. Also checks it with the adaptivecards package.
import { expect } from "vitest";
import { cardOfEnvelope, cardProblems } from "../../src/alerts/card-validation";

export interface CardItem {
  section: string;
  badge: string;
  title: string;
  where: string;
  detail: string;
  /** The italic line under the evidence (reminder, first notice, expired exception), or "". */
  note: string;
  /** The finding's fingerprint from the item's last line (`Fingerprint <32 hex>`), or "". */
  fingerprint: string;
  resourceId: string;
  historyUrl: string;
}

export interface ReadCard {
  card: Record<string, unknown>;
  title: string;
  facts: Record<string, string>;
  texts: string[];
  items: CardItem[];
  /** Section heading → its "(N)" count. */
  sections: Record<string, number>;
  more: string[];
  urls: string[];
  /** The "Exceptions expiring" section's entries, each as its lines of text, and its dashboard link if any. */
  expiring: Array<{ lines: string[]; url?: string }>;
}

const HEADING =
  /^(New findings|Regressed \(failing again after a fix\)|Exception expired \(failing again\)|Resolved|Still failing|Open failures|Exceptions expiring) \((\d+)\)$/;

type Json = Record<string, unknown>;

/** Asserts that `message` is a Workflows envelope holding a card that parses with no problem against 1.4. */
export function expectValidTeamsMessage(message: unknown): Json {
  const card = cardOfEnvelope(message);
  expect(card, "a Workflows message envelope with one Adaptive Card attachment").toBeDefined();
  expect(cardProblems(card)).toEqual([]);
  expect((card as Json)["version"]).toBe("1.4");
  return card as Json;
}

export function readCard(message: unknown): ReadCard {
  const card = expectValidTeamsMessage(message);
  const body = card["body"] as Json[];
  const read: ReadCard = {
    card,
    title: "",
    facts: {},
    texts: [],
    items: [],
    sections: {},
    more: [],
    urls: [],
    expiring: [],
  };
  let section = "";
  const collectUrls = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collectUrls);
    else if (typeof value === "object" && value !== null) {
      const record = value as Json;
      if (record["type"] === "Action.OpenUrl") read.urls.push(String(record["url"]));
      Object.values(record).forEach(collectUrls);
    }
  };
  collectUrls(card);
  for (const element of body) {
    if (element["type"] === "TextBlock") {
      const text = String(element["text"]);
      if (read.title === "") read.title = text;
      read.texts.push(text);
      const heading = HEADING.exec(text);
      if (heading !== null) {
        section = heading[1]!;
        read.sections[section] = Number(heading[2]);
      } else if (/^…and \d+ more/.test(text)) read.more.push(text);
    } else if (element["type"] === "FactSet") {
      for (const fact of element["facts"] as Array<{ title: string; value: string }>)
        read.facts[fact.title] = fact.value;
    } else if (element["type"] === "Container") {
      const items = element["items"] as Json[];
      const runs = (index: number) =>
        ((items[index]?.["inlines"] as Array<{ text: string }>) ?? []).map((inline) => inline.text);
      const actionSet = items.find((item) => item["type"] === "ActionSet");
      if (section === "Exceptions expiring") {
        const lines = items.filter((item) => item["type"] === "RichTextBlock").map((_, i) => runs(i).join(""));
        const url = (actionSet?.["actions"] as Json[] | undefined)?.[0]?.["url"];
        read.expiring.push({ lines, ...(url !== undefined ? { url: String(url) } : {}) });
        continue;
      }
      const historyUrl = String((actionSet?.["actions"] as Json[])[0]?.["url"]);
      const lines = items.map((_, i) => runs(i).join(""));
      const fingerprintLine = lines.findIndex((line) => line.startsWith("Fingerprint "));
      const encoded = /\/api\/web\/dashboard\?resource=([A-Za-z0-9_-]+)$/.exec(historyUrl)?.[1] ?? "";
      read.items.push({
        section,
        badge: runs(0)[0] ?? "",
        title: (runs(0)[1] ?? "").trim(),
        where: runs(1)[0] ?? "",
        detail: runs(2)[0] ?? "",
        note: fingerprintLine === 3 ? "" : (runs(3)[0] ?? ""),
        fingerprint: fingerprintLine < 0 ? "" : lines[fingerprintLine]!.slice("Fingerprint ".length),
        resourceId: Buffer.from(encoded, "base64url").toString("utf8"),
        historyUrl,
      });
    }
  }
  return read;
}

/** `title|resourceId` of each item of a section, sorted: comparable with findings from the store. */
export function itemKeys(read: ReadCard, section: string): string[] {
  return read.items
    .filter((item) => item.section === section)
    .map((item) => `${item.title}|${item.resourceId}`)
    .sort();
}
