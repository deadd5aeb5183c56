namespace Cpns.Crypto;

/// <summary>
/// The Subset Difference pseudo-random generator G(S) = G_L(S) || G_M(S) || G_R(S) of NNL 2001 §3.2,
/// tripling a 256-bit label. G_X(S) = AES-256_S(C_a) || AES-256_S(C_b) with fixed public blocks: the
/// label is the AES key, so each half is a PRF output on a distinct public input and G is a PRG when
/// AES-256 is a PRF (docs/crypto.md). C_k is the block whose first byte is k and the rest zero:
/// G_L uses C_0, C_1; G_M uses C_2, C_3; G_R uses C_4, C_5.
/// </summary>
internal static class LabelPrg
{
    public const int LabelSize = 32;

    // C_0..C_5, each 16 bytes, laid out so that any adjacent pair is one 32-byte input.
    private static ReadOnlySpan<byte> Constants =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>G_L(label): the label of the left child. Output may alias the input.</summary>
    public static void Left(ReadOnlySpan<byte> label, Span<byte> output) => AesBlock.Encrypt(label, Constants[..32], output);

    /// <summary>G_M(label): the subset key of the label's subset. Output may alias the input.</summary>
    public static void Middle(ReadOnlySpan<byte> label, Span<byte> output) => AesBlock.Encrypt(label, Constants[32..64], output);

    /// <summary>G_R(label): the label of the right child. Output may alias the input.</summary>
    public static void Right(ReadOnlySpan<byte> label, Span<byte> output) => AesBlock.Encrypt(label, Constants[64..96], output);

    /// <summary>G_L or G_R: the child label toward <paramref name="rightChild"/>.</summary>
    public static void Child(ReadOnlySpan<byte> label, bool rightChild, Span<byte> output) =>
        AesBlock.Encrypt(label, rightChild ? Constants[64..96] : Constants[..32], output);

    /// <summary>G_L and G_R under one key schedule: both children, as GKDK derivation needs.</summary>
    public static void Children(ReadOnlySpan<byte> label, Span<byte> left, Span<byte> right)
    {
        Span<byte> input = stackalloc byte[64];
        Span<byte> output = stackalloc byte[64];
        Constants[..32].CopyTo(input);
        Constants[64..96].CopyTo(input[32..]);
        AesBlock.Encrypt(label, input, output);
        output[..32].CopyTo(left);
        output[32..].CopyTo(right);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(output);
    }
}
