// Activities of the ceiling workflow: no network, no disk.
export const ceilingActivities = {
  async noop(): Promise<void> {},
  async wait(ms: number): Promise<void> {
    await new Promise((r) => setTimeout(r, ms));
  },
};
export type CeilingActivities = typeof ceilingActivities;
