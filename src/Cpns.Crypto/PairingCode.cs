using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cpns.Crypto;

/// <summary>
/// The code a PN Gateway shows and the user enters on the PNE to register it (EU-Key assignment):
/// 16 digits shown as four groups, "SSRR-RRRR-RRCC-CCCC": a public 2-digit session number S (which
/// pending pairing), an 8-digit secret R, and a 6-digit commitment C = H(session ‖ gateway public key ‖ R)
/// to the gateway's ephemeral public key. This is the out-of-band association model of Bluetooth LE
/// Secure Connections (Core v5.3, Vol 3, Part H, §2.3.5.6.4): the commitment authenticates the
/// gateway's key to the PNE, and R authenticates the PNE to the gateway, so neither side ever sends
/// a value an attacker could use to test guesses of R offline (docs/pairing.md).
/// </summary>
internal sealed class PairingCode
{
    public const int SessionCount = 100;
    private const int SecretModulus = 100_000_000;
    private const int CommitmentModulus = 1_000_000;

    private PairingCode(int session, int secret, int commitment)
    {
        Session = session;
        Secret = secret;
        Commitment = commitment;
    }

    public int Session { get; }

    public int Secret { get; }

    public int Commitment { get; }

    public string Text
    {
        get
        {
            var digits = string.Create(CultureInfo.InvariantCulture, $"{Session:D2}{Secret:D8}{Commitment:D6}");
            return $"{digits[..4]}-{digits[4..8]}-{digits[8..12]}-{digits[12..]}";
        }
    }

    public static PairingCode Create(int session, ReadOnlySpan<byte> gatewayPublicKey)
    {
        var secret = RandomNumberGenerator.GetInt32(SecretModulus);
        return new PairingCode(session, secret, Commit(session, gatewayPublicKey, secret));
    }

    /// <summary>Parses what the user typed; spaces and dashes are ignored.</summary>
    public static bool TryParse(string text, out PairingCode? code)
    {
        code = null;
        var digits = new StringBuilder(16);
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (c is not ('-' or ' '))
            {
                return false;
            }
        }

        if (digits.Length != 16)
        {
            return false;
        }

        var all = digits.ToString();
        code = new PairingCode(
            int.Parse(all[..2], CultureInfo.InvariantCulture),
            int.Parse(all[2..10], CultureInfo.InvariantCulture),
            int.Parse(all[10..], CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>True when <paramref name="gatewayPublicKey"/> is the key this code commits to. Constant time in the key.</summary>
    public bool Commits(ReadOnlySpan<byte> gatewayPublicKey)
    {
        Span<byte> expected = stackalloc byte[4];
        Span<byte> actual = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(expected, Commitment);
        BinaryPrimitives.WriteInt32BigEndian(actual, Commit(Session, gatewayPublicKey, Secret));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>The 16-byte pairing id on the wire: public, derived from the session number only.</summary>
    public static byte[] PairingId(int session)
    {
        Span<byte> input = stackalloc byte[20];
        "cpns"u8.CopyTo(input);
        BinaryPrimitives.WriteInt32BigEndian(input[4..], session);
        return SHA256.HashData(input)[..16];
    }

    private static int Commit(int session, ReadOnlySpan<byte> gatewayPublicKey, int secret)
    {
        var input = new byte[32 + 4 + gatewayPublicKey.Length + 4];
        "cpns/v1/pairing-commitment/00000"u8.CopyTo(input);
        BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(32), session);
        gatewayPublicKey.CopyTo(input.AsSpan(36));
        BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(36 + gatewayPublicKey.Length), secret);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        CryptographicOperations.ZeroMemory(input);
        // 64 bits reduced mod 10^6: the bias is below 2^-44, irrelevant for a 6-digit check.
        return (int)(BinaryPrimitives.ReadUInt64BigEndian(hash) % CommitmentModulus);
    }
}
