using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cpns.Crypto;

/// <summary>
/// The key schedule both sides of a pairing run once they hold each other's P-256 public keys:
/// Z = ECDH; T = SHA-256 of every identity and both keys; (K_m ‖ EU-Key) = HKDF-SHA-256(Z, salt T);
/// each side then proves the secret digits R with HMAC-SHA-256(K_m, role ‖ R).
/// </summary>
internal static class PairingKeys
{
    public const int PublicKeySize = 65;
    public const int ConfirmationSize = 32;

    public static ECDiffieHellman CreateKeyPair() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    public static byte[] ExportPublicKey(ECDiffieHellman keyPair)
    {
        var q = keyPair.ExportParameters(false).Q;
        var output = new byte[PublicKeySize];
        output[0] = 0x04;
        q.X!.CopyTo(output, 1);
        q.Y!.CopyTo(output, 33);
        return output;
    }

    /// <summary>Imports an uncompressed P-256 point; false when it is not one (including off-curve points).</summary>
    public static bool TryImportPublicKey(ReadOnlySpan<byte> encoded, out ECDiffieHellman? publicKey)
    {
        publicKey = null;
        if (encoded.Length != PublicKeySize || encoded[0] != 0x04)
        {
            return false;
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = encoded[1..33].ToArray(), Y = encoded[33..].ToArray() },
        };
        try
        {
            publicKey = ECDiffieHellman.Create(parameters);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Derives K_m and the EU-Key into <paramref name="keys"/> (64 bytes).</summary>
    public static void Derive(
        ECDiffieHellman own,
        ECDiffieHellman peer,
        ReadOnlySpan<byte> pairingId,
        string pnId,
        string gatewayId,
        string pneId,
        ReadOnlySpan<byte> pnePublicKey,
        ReadOnlySpan<byte> gatewayPublicKey,
        Span<byte> keys)
    {
        var z = own.DeriveRawSecretAgreement(peer.PublicKey);
        using var transcript = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        transcript.AppendData("cpns/v1/pairing-transcript"u8);
        AppendPrefixed(transcript, pairingId);
        AppendPrefixed(transcript, Encoding.UTF8.GetBytes(pnId));
        AppendPrefixed(transcript, Encoding.UTF8.GetBytes(gatewayId));
        AppendPrefixed(transcript, Encoding.UTF8.GetBytes(pneId));
        transcript.AppendData(pnePublicKey);
        transcript.AppendData(gatewayPublicKey);
        var salt = transcript.GetHashAndReset();
        HKDF.DeriveKey(HashAlgorithmName.SHA256, z, keys, salt, "cpns/v1/pairing-keys"u8);
        CryptographicOperations.ZeroMemory(z);
    }

    public static void Confirmation(ReadOnlySpan<byte> macKey, bool fromGateway, int secret, Span<byte> output)
    {
        Span<byte> input = stackalloc byte[7];
        (fromGateway ? "gw\0"u8 : "pne"u8).CopyTo(input);
        BinaryPrimitives.WriteInt32BigEndian(input[3..], secret);
        HMACSHA256.HashData(macKey, input, output);
        CryptographicOperations.ZeroMemory(input);
    }

    private static void AppendPrefixed(IncrementalHash hash, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)value.Length));
        hash.AppendData(length);
        hash.AppendData(value);
    }
}
