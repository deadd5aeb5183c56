namespace Cpns.Device.Messaging;

/// <summary>
/// The anti-replay window of one (group, epoch, sender): RFC 4303 §3.4.3 with a 1024-bit bitmap.
/// Counters above the highest seen are new; counters within 1024 below it are new once; older ones
/// are refused. The caller checks before decrypting and marks only after authentication (§3.4.3:
/// "the receive window is updated only if the integrity verification succeeds"). Not thread-safe.
/// </summary>
internal sealed class ReplayWindow
{
    public const int Size = 1024;

    // Bit i of the bitmap records counter (_highest - i).
    private readonly ulong[] _bits = new ulong[Size / 64];
    private ulong _highest;

    public bool IsFresh(ulong counter)
    {
        if (counter == 0)
        {
            return false;
        }

        if (counter > _highest)
        {
            return true;
        }

        var offset = _highest - counter;
        return offset < Size && (_bits[offset / 64] & (1UL << (int)(offset % 64))) == 0;
    }

    /// <summary>Marks the counter seen; returns false if it was not fresh (a replay raced us).</summary>
    public bool TryMark(ulong counter)
    {
        if (!IsFresh(counter))
        {
            return false;
        }

        if (counter > _highest)
        {
            Shift(counter - _highest);
            _highest = counter;
        }

        var offset = _highest - counter;
        _bits[offset / 64] |= 1UL << (int)(offset % 64);
        return true;
    }

    private void Shift(ulong by)
    {
        if (by >= Size)
        {
            Array.Clear(_bits);
            return;
        }

        var words = (int)(by / 64);
        var bitShift = (int)(by % 64);
        for (var i = _bits.Length - 1; i >= 0; i--)
        {
            var source = i - words;
            ulong value = 0;
            if (source >= 0)
            {
                value = _bits[source] << bitShift;
                if (bitShift != 0 && source - 1 >= 0)
                {
                    value |= _bits[source - 1] >> (64 - bitShift);
                }
            }

            _bits[i] = value;
        }
    }
}
