using Cpns.Crypto;

namespace Cpns.Gateway.Delivery;

/// <summary>A PNE's Group Key Response waiting for the next store write of answers, and what it became.</summary>
internal sealed class PneAnswer(string pneId, string groupId, ulong epoch, BroadcastDecryptStatus status)
{
    public string PneId { get; } = pneId;

    public string GroupId { get; } = groupId;

    public ulong Epoch { get; } = epoch;

    public BroadcastDecryptStatus Status { get; } = status;

    /// <summary>The outcome, and the epoch's report when this answer completed it (or is a late one).</summary>
    public TaskCompletionSource<(PneResponseOutcome Outcome, GroupKeyDeliveryReport? Complete)> Result { get; } =
        new(TaskCreationOptions.RunContinuationsAsynchronously);
}
