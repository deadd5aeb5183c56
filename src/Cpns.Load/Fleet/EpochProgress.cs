using System.Diagnostics;

namespace Cpns.Load.Fleet;

/// <summary>
/// How far one epoch of one group has got among its member PNEs: how many stored it (the device's own callback after
/// its key store write and Group Key Response), out of how many are expected, and when the last did.
/// </summary>
internal sealed class EpochProgress
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = -1;
    private int _stored;

    /// <summary>Stopwatch timestamp of the rotate request; 0 until <see cref="Expect"/>.</summary>
    public long StartTimestamp { get; private set; }

    /// <summary>Stopwatch timestamp of the last member's store.</summary>
    public long LastTimestamp { get; private set; }

    public int Stored
    {
        get
        {
            lock (_done)
            {
                return _stored;
            }
        }
    }

    public Task Done => _done.Task;

    /// <summary>Seconds from the rotate request to the last member's store, or null while incomplete.</summary>
    public double? Seconds => _done.Task.IsCompleted ? Stopwatch.GetElapsedTime(StartTimestamp, LastTimestamp).TotalSeconds : null;

    public void Expect(int members, long startTimestamp)
    {
        lock (_done)
        {
            _expected = members;
            StartTimestamp = startTimestamp;
            CompleteIfDone();
        }
    }

    public void OnStored(long timestamp)
    {
        lock (_done)
        {
            _stored++;
            LastTimestamp = Math.Max(LastTimestamp, timestamp);
            CompleteIfDone();
        }
    }

    private void CompleteIfDone()
    {
        if (_expected >= 0 && _stored >= _expected)
        {
            _done.TrySetResult();
        }
    }
}
