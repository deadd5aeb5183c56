namespace Cpns.Fuzz;

/// <summary>One stored input that a target reported as a finding, with what escaped.</summary>
internal sealed record ReplayFinding(string Path, Exception Exception);
