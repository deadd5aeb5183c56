using System.Collections.Concurrent;
using System.Diagnostics;
using Cpns.Device.Groups;

namespace Cpns.Load.Fleet;

/// <summary>
/// Collects every Group Key broadcast outcome of every simulated PNE. A store of a new epoch counts towards that
/// epoch's <see cref="EpochProgress"/>; anything but a store, a duplicate or "not a recipient" is an anomaly (a
/// rollback, a failed tag, a malformed broadcast) and counted as such. In a fleet worker process the stores are
/// forwarded to the bench process instead, which records them with <see cref="OnStored"/>.
/// </summary>
internal sealed class EpochTracker
{
    private readonly ConcurrentDictionary<(string GroupId, ulong Epoch), EpochProgress> _epochs = new();
    private readonly ConcurrentDictionary<GroupKeyReceiveStatus, long> _outcomes = new();
    private readonly Action<string, ulong, long>? _forward;

    /// <param name="forward">Where a store goes (group, epoch, Stopwatch timestamp) instead of this tracker's own progress.</param>
    public EpochTracker(Action<string, ulong, long>? forward = null) => _forward = forward;

    /// <summary>Outcome counts over all PNEs.</summary>
    public IReadOnlyDictionary<GroupKeyReceiveStatus, long> Outcomes => _outcomes.ToDictionary(p => p.Key, p => p.Value);

    /// <summary>Outcomes that must never happen in a healthy run.</summary>
    public long Anomalies => _outcomes.Where(p => p.Key is not (GroupKeyReceiveStatus.Stored or GroupKeyReceiveStatus.Duplicate or GroupKeyReceiveStatus.NotARecipient)).Sum(p => p.Value);

    public EpochProgress Get(string groupId, ulong epoch) => _epochs.GetOrAdd((groupId, epoch), _ => new EpochProgress());

    /// <summary>The device callback (<c>DeviceClient.GroupKeyHandled</c>).</summary>
    public void OnHandled(string groupId, ulong epoch, GroupKeyReceiveStatus status)
    {
        _outcomes.AddOrUpdate(status, 1, (_, n) => n + 1);
        if (status == GroupKeyReceiveStatus.Stored)
        {
            var timestamp = Stopwatch.GetTimestamp();
            if (_forward is { } forward)
            {
                forward(groupId, epoch, timestamp);
            }
            else
            {
                OnStored(groupId, epoch, timestamp);
            }
        }
    }

    /// <summary>A member PNE stored the epoch at <paramref name="timestamp"/> (a Stopwatch timestamp: CLOCK_MONOTONIC, the same in every process of the machine).</summary>
    public void OnStored(string groupId, ulong epoch, long timestamp) => Get(groupId, epoch).OnStored(timestamp);

    /// <summary>Forgets an epoch once measured, so that a long soak keeps the tracker's own memory flat.</summary>
    public void Forget(string groupId, ulong epoch) => _epochs.TryRemove((groupId, epoch), out _);
}
