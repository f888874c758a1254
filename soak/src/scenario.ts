/** What every soak scenario returns: figures to print, and whether the run proved what it must. */
export type Flags = Record<string, string>;

export interface SoakFigure {
  name: string;
  value: number | string;
  /** What the figure must be (e.g. `0`, `= expected`), when it has a pass condition. */
  expect?: string;
  ok?: boolean;
}

export interface SoakOutcome {
  parameters: Record<string, unknown>;
  figures: SoakFigure[];
  details?: Record<string, unknown>;
}

export type SoakScenario = (flags: Flags) => Promise<SoakOutcome>;
