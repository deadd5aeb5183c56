using System.Security.Cryptography;

namespace Cpns.Gateway.Pairing;

/// <summary>Checks that a PNE's pairing public key is an uncompressed P-256 point on the curve.</summary>
internal static class PneKeyValidator
{
    public const int PublicKeySize = 65;

    public static bool IsValid(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length != PublicKeySize || encoded[0] != 0x04)
        {
            return false;
        }

        try
        {
            using var key = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = encoded[1..33].ToArray(), Y = encoded[33..].ToArray() },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
