using Cpns.Protocol.V1;

namespace Cpns.Device.Messaging;

/// <summary>
/// Messages under an epoch the device has not received yet, waiting (bounded in count and time)
/// for the key. Unauthenticated until opened, so the bounds are what keeps a flood harmless. Not thread-safe.
/// </summary>
internal sealed class HeldMessageQueue(int capacity)
{
    private readonly List<(GroupMessage Message, long HeldAtUnixMs)> _items = [];

    public int Count => _items.Count;

    public bool TryAdd(GroupMessage message, long now, long holdMs)
    {
        _items.RemoveAll(item => now - item.HeldAtUnixMs >= holdMs);
        if (_items.Count >= capacity)
        {
            return false;
        }

        _items.Add((message, now));
        return true;
    }

    public List<(GroupMessage Message, long HeldAtUnixMs)> TakeAll()
    {
        var all = new List<(GroupMessage, long)>(_items);
        _items.Clear();
        return all;
    }

    /// <summary>Puts back messages still waiting, ahead of anything that arrived meanwhile.</summary>
    public void Restore(List<(GroupMessage Message, long HeldAtUnixMs)> items) => _items.InsertRange(0, items);
}
