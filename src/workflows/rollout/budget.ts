// The continue-as-new budget, as pure functions (unit-tested): a run hands over once its history,
// with the events the next batch or busy round may add, would pass continueAsNewAfterEvents.

/** Events a child start may add: initiated, started, completed, and the workflow tasks they wake. */
export const EVENTS_PER_CHILD = 6;

/**
 * Events a batch or busy round starting a child for each of `services` services may add (+10 for
 * its timer and workflow tasks). Before eventBudget it counted 2 a service (a start and its refusal),
 * so a batch of 200 children could pass the limit by ~800 events.
 */
export function childStartEvents(services: number, eventBudget: boolean): number {
  return (eventBudget ? EVENTS_PER_CHILD : 2) * services + 10;
}

/** Whether a run at `historyLength` events, with `extraEvents` still to come, should hand over. */
export function overBudget(historyLength: number, extraEvents: number, limit: number, suggested: boolean): boolean {
  return historyLength + extraEvents > limit || suggested;
}
