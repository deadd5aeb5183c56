namespace Cpns.Transport.Tests;

/// <summary>
/// Counts the TLS records in one direction of a TCP stream, whatever the reads' boundaries: each record is a 5-byte
/// header (type, version, 2-byte length, RFC 8446 5.1) and that many bytes.
/// </summary>
internal sealed class TlsRecordCounter
{
    private readonly byte[] _header = new byte[5];
    private int _headerFilled;
    private int _bodyLeft;
    private int _records;

    /// <summary>Records whose header has passed so far.</summary>
    public int Records => Volatile.Read(ref _records);

    /// <summary>Takes the next bytes of the stream, in order; one caller at a time.</summary>
    public void Add(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_bodyLeft > 0)
            {
                var skip = Math.Min(_bodyLeft, bytes.Length);
                _bodyLeft -= skip;
                bytes = bytes[skip..];
                continue;
            }

            var take = Math.Min(_header.Length - _headerFilled, bytes.Length);
            bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            bytes = bytes[take..];
            if (_headerFilled == _header.Length)
            {
                _bodyLeft = (_header[3] << 8) | _header[4];
                _headerFilled = 0;
                Interlocked.Increment(ref _records);
            }
        }
    }
}
