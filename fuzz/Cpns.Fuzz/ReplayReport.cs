namespace Cpns.Fuzz;

/// <summary>What a replay of stored inputs through one target gave.</summary>
internal sealed record ReplayReport(int Inputs, IReadOnlyList<ReplayFinding> Findings, TimeSpan Elapsed);
