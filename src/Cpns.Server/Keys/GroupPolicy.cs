namespace Cpns.Server.Keys;

/// <summary>A group's rotation policy.</summary>
internal sealed record GroupPolicy(int? RotationIntervalSeconds, bool RotateOnJoin);
