using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// A pinned array for key bytes: pinned so the garbage collector never leaves copies behind when it
/// compacts, and wiped on <see cref="Dispose"/>.
/// </summary>
internal sealed class SecretBuffer : IDisposable
{
    private readonly byte[] _bytes;
    private bool _disposed;

    public SecretBuffer(int length) => _bytes = GC.AllocateArray<byte>(length, pinned: true);

    public SecretBuffer(ReadOnlySpan<byte> source)
        : this(source.Length) => source.CopyTo(_bytes);

    public int Length => _bytes.Length;

    public bool IsDisposed => _disposed;

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public static SecretBuffer Random(int length)
    {
        var buffer = new SecretBuffer(length);
        RandomNumberGenerator.Fill(buffer._bytes);
        return buffer;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
        }
    }
}
