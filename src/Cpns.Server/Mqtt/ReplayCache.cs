namespace Cpns.Server.Mqtt;

/// <summary>
/// The message ids this instance processed recently, per gateway: a replayed envelope (same id) is refused before it
/// touches the database. Bounded (oldest forgotten first); the delivery state checks still refuse an older replay.
/// </summary>
internal sealed class ReplayCache(int capacity = 65_536)
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>True the first time (gateway, id) is seen; false for a replay.</summary>
    public bool TryAdd(string gatewayId, ReadOnlySpan<byte> messageId)
    {
        var key = gatewayId + "/" + Convert.ToHexString(messageId);
        lock (_lock)
        {
            if (!_seen.Add(key))
            {
                return false;
            }

            _order.Enqueue(key);
            if (_order.Count > capacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }
}
