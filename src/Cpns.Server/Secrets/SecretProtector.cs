using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cpns.Server.Secrets;

/// <summary>
/// Seals secrets at rest with AES-256-GCM under the master key. The associated data names what the secret is for
/// (purpose, group id, epoch), so a sealed GK copied into another row, group or epoch fails to open.
/// Layout: nonce (12) || ciphertext || tag (16). Random 96-bit nonces are safe far beyond the number of keys a
/// server seals (NIST SP 800-38D section 8.3 bounds it at 2^32 invocations per key).
/// </summary>
internal sealed class SecretProtector(MasterKey masterKey)
{
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;
    private const int GroupKeyAdLength = 11 + 16 + 8;

    private static ReadOnlySpan<byte> GroupKeyPurpose => "cpns/gk/v1\0"u8;

    private static ReadOnlySpan<byte> GatewayKeyPurpose => "cpns/gw-key/v1\0"u8;

    /// <summary>Seals a gateway's 32-byte wrapping key; the AD binds it to the gateway id, so it cannot be moved to another row.</summary>
    public byte[] SealGatewayKey(string gatewayId, ReadOnlySpan<byte> key) => Seal(key, GatewayKeyAd(gatewayId));

    /// <summary>Opens a sealed gateway key into <paramref name="destination"/>; false (destination wiped) if it does not authenticate.</summary>
    public bool TryOpenGatewayKey(string gatewayId, ReadOnlySpan<byte> sealedKey, Span<byte> destination) =>
        TryOpen(sealedKey, GatewayKeyAd(gatewayId), destination);

    /// <summary>A password for an encrypted PEM or PFX at rest, derived from the master key (HKDF-SHA-256, the purpose as info).</summary>
    public string DerivePassword(ReadOnlySpan<byte> purpose)
    {
        Span<byte> derived = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey.Key, derived, salt: [], info: purpose);
        var password = Convert.ToBase64String(derived);
        CryptographicOperations.ZeroMemory(derived);
        return password;
    }

    public byte[] SealGroupKey(Guid groupId, long epoch, ReadOnlySpan<byte> groupKey)
    {
        Span<byte> ad = stackalloc byte[GroupKeyAdLength];
        WriteGroupKeyAd(ad, groupId, epoch);
        return Seal(groupKey, ad);
    }

    /// <summary>Opens a sealed GK into <paramref name="destination"/>; false (and a wiped destination) if it does not authenticate.</summary>
    public bool TryOpenGroupKey(Guid groupId, long epoch, ReadOnlySpan<byte> sealedKey, Span<byte> destination)
    {
        Span<byte> ad = stackalloc byte[GroupKeyAdLength];
        WriteGroupKeyAd(ad, groupId, epoch);
        return TryOpen(sealedKey, ad, destination);
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[Overhead + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(masterKey.Key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    public bool TryOpen(ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> destination)
    {
        var length = sealedData.Length - Overhead;
        if (length < 0 || destination.Length < length)
        {
            return false;
        }

        var plaintext = destination[..length];
        using var aes = new AesGcm(masterKey.Key, TagSize);
        try
        {
            aes.Decrypt(sealedData[..NonceSize], sealedData.Slice(NonceSize, length), sealedData[(NonceSize + length)..], plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // AesGcm already clears the output on failure; wiping again keeps that promise independent of it.
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    private static byte[] GatewayKeyAd(string gatewayId) => [.. GatewayKeyPurpose, .. System.Text.Encoding.UTF8.GetBytes(gatewayId)];

    private static void WriteGroupKeyAd(Span<byte> ad, Guid groupId, long epoch)
    {
        GroupKeyPurpose.CopyTo(ad);
        groupId.TryWriteBytes(ad.Slice(GroupKeyPurpose.Length, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteInt64BigEndian(ad[(GroupKeyPurpose.Length + 16)..], epoch);
    }
}
