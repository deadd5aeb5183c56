namespace Cpns.Load.Results;

/// <summary>
/// One rotation of the sustained scenario. <see cref="ServerMs"/> is server commit (the delivery rows' creation, in the
/// epoch's transaction) to the server's record of the last member's Group Key Response (the gateway's delivery report);
/// <see cref="ClientMs"/> is the rotate request to the last member device's store of the key, as this process saw it.
/// </summary>
internal sealed record RotationRecord(int Group, ulong Epoch, int Members, double SentSeconds, double? ClientMs, double? ServerMs, int Acknowledged, double? LastAckSeconds);
