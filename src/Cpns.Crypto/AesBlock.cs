using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace Cpns.Crypto;

/// <summary>
/// AES-256 encryption of a few independent blocks under a key used only for them: the one primitive
/// of the Subset Difference hot path. Each label step uses a new key, and the platform's AES object
/// costs about a microsecond to key, so on x86 the key schedule and rounds run on AES-NI here
/// (Intel's AES-NI white paper, figure 32). Everywhere else, and as the reference the AES-NI path is
/// differentially tested against, it is System.Security.Cryptography's AES in ECB mode.
/// </summary>
internal static class AesBlock
{
    public const int KeySize = 32;
    public const int BlockSize = 16;
    private const int Rounds = 14;

    /// <summary>True when this process runs the AES-NI path.</summary>
    public static bool IsHardwareAccelerated => X86Aes.IsSupported && Sse2.IsSupported;

    /// <summary>Encrypts <paramref name="input"/> (whole blocks) under <paramref name="key"/> into <paramref name="output"/>.</summary>
    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (IsHardwareAccelerated)
        {
            EncryptHardware(key, input, output);
        }
        else
        {
            EncryptPortable(key, input, output);
        }
    }

    /// <summary>The reference path: the platform's AES-256 in ECB mode, one block at a time.</summary>
    internal static void EncryptPortable(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.SetKey(key);
        aes.EncryptEcb(input, output, PaddingMode.None);
    }

    internal static void EncryptHardware(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (key.Length != KeySize || input.Length % BlockSize != 0 || output.Length < input.Length)
        {
            CryptoThrow.Argument(nameof(input), "AES-256 takes a 32-byte key and whole 16-byte blocks.");
        }

        var schedule = default(RoundKeys);
        ExpandKey(key, ref schedule);
        var blocks = input.Length / BlockSize;
        var i = 0;
        // Two blocks per pass: AESENC has a latency of several cycles and a throughput of one per
        // cycle, so interleaving independent blocks nearly halves the time of the common 2-block call.
        for (; i + 2 <= blocks; i += 2)
        {
            var b0 = Vector128.Create(input.Slice(i * BlockSize, BlockSize));
            var b1 = Vector128.Create(input.Slice((i + 1) * BlockSize, BlockSize));
            EncryptPair(ref schedule, ref b0, ref b1);
            b0.CopyTo(output.Slice(i * BlockSize, BlockSize));
            b1.CopyTo(output.Slice((i + 1) * BlockSize, BlockSize));
        }

        if (i < blocks)
        {
            var b = Vector128.Create(input.Slice(i * BlockSize, BlockSize));
            b = EncryptOne(ref schedule, b);
            b.CopyTo(output.Slice(i * BlockSize, BlockSize));
        }

        Span<Vector128<byte>> roundKeys = schedule;
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(roundKeys));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> EncryptOne(ref RoundKeys rk, Vector128<byte> b)
    {
        b = Sse2.Xor(b, rk[0]);
        for (var r = 1; r < Rounds; r++)
        {
            b = X86Aes.Encrypt(b, rk[r]);
        }

        return X86Aes.EncryptLast(b, rk[Rounds]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EncryptPair(ref RoundKeys rk, ref Vector128<byte> b0, ref Vector128<byte> b1)
    {
        var k = rk[0];
        var x0 = Sse2.Xor(b0, k);
        var x1 = Sse2.Xor(b1, k);
        for (var r = 1; r < Rounds; r++)
        {
            k = rk[r];
            x0 = X86Aes.Encrypt(x0, k);
            x1 = X86Aes.Encrypt(x1, k);
        }

        k = rk[Rounds];
        b0 = X86Aes.EncryptLast(x0, k);
        b1 = X86Aes.EncryptLast(x1, k);
    }

    private static void ExpandKey(ReadOnlySpan<byte> key, ref RoundKeys rk)
    {
        var t1 = Vector128.Create(key[..16]);
        var t3 = Vector128.Create(key[16..32]);
        rk[0] = t1;
        rk[1] = t3;
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x01), ref rk, 2);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x02), ref rk, 4);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x04), ref rk, 6);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x08), ref rk, 8);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x10), ref rk, 10);
        Step(ref t1, ref t3, X86Aes.KeygenAssist(t3, 0x20), ref rk, 12);
        rk[14] = Assist1(t1, X86Aes.KeygenAssist(t3, 0x40));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref Vector128<byte> t1, ref Vector128<byte> t3, Vector128<byte> t2, ref RoundKeys rk, int index)
    {
        t1 = Assist1(t1, t2);
        rk[index] = t1;
        t3 = Assist2(t1, t3);
        rk[index + 1] = t3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Assist1(Vector128<byte> t1, Vector128<byte> t2)
    {
        t2 = Sse2.Shuffle(t2.AsInt32(), 0xff).AsByte();
        var t4 = Sse2.ShiftLeftLogical128BitLane(t1, 4);
        t1 = Sse2.Xor(t1, t4);
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t1 = Sse2.Xor(t1, t4);
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t1 = Sse2.Xor(t1, t4);
        return Sse2.Xor(t1, t2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Assist2(Vector128<byte> t1, Vector128<byte> t3)
    {
        var t2 = Sse2.Shuffle(X86Aes.KeygenAssist(t1, 0x00).AsInt32(), 0xaa).AsByte();
        var t4 = Sse2.ShiftLeftLogical128BitLane(t3, 4);
        t3 = Sse2.Xor(t3, t4);
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t3 = Sse2.Xor(t3, t4);
        t4 = Sse2.ShiftLeftLogical128BitLane(t4, 4);
        t3 = Sse2.Xor(t3, t4);
        return Sse2.Xor(t3, t2);
    }

    [InlineArray(Rounds + 1)]
    private struct RoundKeys
    {
        private Vector128<byte> _element0;
    }
}
