using Cpns.Crypto;
using System.Security.Cryptography;

namespace Cpns.Gateway.Storage;

/// <summary>
/// Seals secrets for gateway.db under the master key (AES-256-GCM through <see cref="WrappingKey"/>),
/// the AD binding the row's identity (<see cref="EndToEndAssociatedData.AtRest"/>) so that a sealed
/// value copied to another row does not open.
/// </summary>
internal sealed class SecretSealer(WrappingKey masterKey) : IDisposable
{
    public const string GatewayKeyKind = "gateway-key";
    public const string KeyMaterialKind = "key-material-set";
    public const string EuKeyKind = "eu-key";
    public const string GroupKeyKind = "group-key";

    public byte[] Seal(ReadOnlySpan<byte> secret, string kind, params ReadOnlySpan<string> identity) =>
        masterKey.Seal(secret, EndToEndAssociatedData.AtRest(kind, identity));

    /// <summary>Opens a sealed value into a new pinned array the caller wipes; throws when the value does not open.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedValue, string kind, params ReadOnlySpan<string> identity)
    {
        var plaintext = GC.AllocateArray<byte>(Math.Max(0, sealedValue.Length - WrappingKey.Overhead), pinned: true);
        if (!masterKey.TryOpen(sealedValue, EndToEndAssociatedData.AtRest(kind, identity), plaintext, out _))
        {
            CryptographicOperations.ZeroMemory(plaintext);
            GatewayThrow.CorruptState(kind);
        }

        return plaintext;
    }

    public WrappingKey OpenWrappingKey(ReadOnlySpan<byte> sealedValue, string kind, params ReadOnlySpan<string> identity)
    {
        var bytes = Open(sealedValue, kind, identity);
        try
        {
            return WrappingKey.Import(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public byte[] SealWrappingKey(WrappingKey key, string kind, params ReadOnlySpan<string> identity)
    {
        Span<byte> bytes = stackalloc byte[WrappingKey.KeySize];
        try
        {
            key.Export(bytes);
            return Seal(bytes, kind, identity);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public void Dispose() => masterKey.Dispose();
}
