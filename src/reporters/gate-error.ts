/**
 * A gate that cannot be understood (`thresholds`, `AWRR_GATES`, `tolerance`) or a baseline that
 * cannot be read. Thrown before any test runs when it is in the configuration: a CI job that
 * thinks it gates and does not is worse than one that stops.
 */
export class GateConfigError extends Error {
  readonly code = 'AWRR_GATE_CONFIG'

  constructor(message: string) {
    super(message)
    this.name = 'GateConfigError'
  }
}

export function isGateConfigError(error: unknown): error is GateConfigError {
  return error instanceof Error && (error as Partial<GateConfigError>).code === 'AWRR_GATE_CONFIG'
}
