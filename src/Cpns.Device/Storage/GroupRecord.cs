using Cpns.Crypto;

namespace Cpns.Device.Storage;

/// <summary>The key store's mutable record of one Service Group. Only touched under the store's lock.</summary>
internal sealed class GroupRecord : IDisposable
{
    public GroupRecord(string groupId) => GroupId = groupId;

    public string GroupId { get; }

    public GroupKeyStatus Status { get; set; }

    public ulong HighestSeenEpoch { get; set; }

    public ulong DeletedAtEpoch { get; set; }

    /// <summary>The current key; null when deleted.</summary>
    public GroupKey? Current { get; set; }

    /// <summary>The previous epoch's key during its grace period, or null.</summary>
    public GroupKey? Previous { get; set; }

    /// <summary>When <see cref="Previous"/> stops opening messages (Unix milliseconds).</summary>
    public long PreviousExpiresAtUnixMs { get; set; }

    /// <summary>Counters 1..this of the current epoch are reserved on disk (may have been used). Persisted.</summary>
    public ulong SendCounterReserved { get; set; }

    /// <summary>The next counter this device will send under the current epoch. Memory only: reloads as reserved + 1.</summary>
    public ulong SendCounterNext { get; set; } = 1;

    public GroupKeyInfo ToInfo() => new(
        GroupId,
        Status,
        Current?.Epoch ?? 0,
        HighestSeenEpoch,
        DeletedAtEpoch,
        Previous?.Epoch ?? 0);

    public void DropPrevious()
    {
        Previous?.Dispose();
        Previous = null;
        PreviousExpiresAtUnixMs = 0;
    }

    public void Dispose()
    {
        Current?.Dispose();
        Current = null;
        DropPrevious();
    }
}
