// Thin helpers over allure-js-commons so specs read as a story: labels say where
// a test sits in the documents' plan, steps say what was done, attachments hold
// the evidence (request summaries, command output, probe timelines).
import * as allure from 'allure-js-commons';

export interface Placement {
  /** e.g. "Functional matrix" or "HA scenarios" */
  epic: string;
  /** e.g. "backup and restore" */
  feature: string;
  story?: string;
}

export async function place(p: Placement): Promise<void> {
  await allure.epic(p.epic);
  await allure.feature(p.feature);
  if (p.story) await allure.story(p.story);
}

/** A named step; its outcome (passed, failed, broken) is recorded by Allure. */
export function step<T>(name: string, body: () => T | Promise<T>): Promise<T> {
  return Promise.resolve(allure.step(name, () => body()));
}

export async function attachText(name: string, text: string): Promise<void> {
  await allure.attachment(name, text, 'text/plain');
}

export async function attachJson(name: string, value: unknown): Promise<void> {
  await allure.attachment(name, JSON.stringify(value, null, 2), 'application/json');
}

/** An SVG image (e.g. a probe timeline), shown inline by the Allure report. */
export async function attachSvg(name: string, svg: string): Promise<void> {
  await allure.attachment(name, svg, 'image/svg+xml');
}

export async function parameter(name: string, value: string): Promise<void> {
  await allure.parameter(name, value);
}

/** A step that already happened (an HTTP exchange, a remote command), recorded with its outcome. */
export async function loggedStep(name: string, ok: boolean): Promise<void> {
  await allure.logStep(name, ok ? allure.Status.PASSED : allure.Status.FAILED);
}
