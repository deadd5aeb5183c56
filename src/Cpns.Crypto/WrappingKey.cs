using System.Security.Cryptography;

namespace Cpns.Crypto;

/// <summary>
/// A 256-bit AES-GCM key that protects secrets end to end, independent of the transport: the EU-Key
/// a PNE shares with its PN Gateway (wraps the GKDK), the per-gateway key the CPNS Server shares with
/// a PN Gateway (wraps the Group Key), and master keys at rest. Sealed output is
/// nonce (12) ‖ ciphertext ‖ tag (16), with a random nonce per seal.
/// </summary>
public sealed class WrappingKey : IDisposable
{
    /// <summary>The key size in bytes.</summary>
    public const int KeySize = 32;

    /// <summary>The bytes a seal adds to the plaintext: nonce and tag.</summary>
    public const int Overhead = NonceSize + TagSize;

    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly SecretBuffer _key;
    private readonly AesGcm _aead;

    private WrappingKey(SecretBuffer key)
    {
        _key = key;
        _aead = new AesGcm(key.Span, TagSize);
    }

    /// <summary>Creates a fresh random key.</summary>
    public static WrappingKey Create() => new(SecretBuffer.Random(KeySize));

    /// <summary>Wraps existing key bytes (copied).</summary>
    public static WrappingKey Import(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            CryptoThrow.Argument(nameof(key), "A wrapping key is 32 bytes.");
        }

        return new WrappingKey(new SecretBuffer(key));
    }

    /// <summary>Copies the key bytes out; the caller must protect and wipe them.</summary>
    public void Export(Span<byte> destination)
    {
        if (destination.Length < KeySize)
        {
            CryptoThrow.Argument(nameof(destination), "The destination is shorter than 32 bytes.");
        }

        _key.Span.CopyTo(destination);
    }

    /// <summary>Encrypts and authenticates <paramref name="plaintext"/>, binding <paramref name="associatedData"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        ObjectDisposedException.ThrowIf(_key.IsDisposed, this);
        var output = new byte[plaintext.Length + Overhead];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        _aead.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>
    /// Opens a sealed value into <paramref name="plaintext"/> (at least <c>sealed.Length - Overhead</c> bytes).
    /// Returns false, with the destination wiped, when the value is too short, altered, or sealed
    /// under another key or associated data.
    /// </summary>
    public bool TryOpen(ReadOnlySpan<byte> sealedValue, ReadOnlySpan<byte> associatedData, Span<byte> plaintext, out int bytesWritten)
    {
        ObjectDisposedException.ThrowIf(_key.IsDisposed, this);
        bytesWritten = 0;
        var length = sealedValue.Length - Overhead;
        if (length < 0 || plaintext.Length < length)
        {
            return false;
        }

        var destination = plaintext[..length];
        try
        {
            _aead.Decrypt(sealedValue[..NonceSize], sealedValue.Slice(NonceSize, length), sealedValue[(NonceSize + length)..], destination, associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(destination);
            return false;
        }

        bytesWritten = length;
        return true;
    }

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        _aead.Dispose();
        _key.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => "WrappingKey";
}
