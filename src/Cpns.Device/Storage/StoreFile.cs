using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Cpns.Device.Storage;

/// <summary>
/// The key store file: a clear header (magic, format version, PNE id) and the state sealed with
/// AES-256-GCM under the device key, the header in the associated data; written atomically.
/// </summary>
internal static class StoreFile
{
    public const byte FormatVersion = 1;

    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int MaxFileSize = 64 << 20;
    private const string TempMarker = ".tmp-";
    private static readonly byte[] Magic = "CPNSKEYS"u8.ToArray();
    private static readonly byte[] AssociatedDataLabel = "cpns/v1/device-store"u8.ToArray();

    /// <summary>The length of the file that seals <paramref name="plaintextLength"/> bytes of the PNE's state.</summary>
    public static int FileLength(string pneId, int plaintextLength) =>
        Magic.Length + 3 + Encoding.UTF8.GetByteCount(pneId) + NonceSize + plaintextLength + TagSize;

    /// <summary>Seals the plaintext into <paramref name="output"/>, <see cref="FileLength"/> bytes long: the file's bytes.</summary>
    public static void Seal(DeviceKey deviceKey, string pneId, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        var header = Header(pneId);
        if (output.Length != header.Length + NonceSize + plaintext.Length + TagSize)
        {
            throw new ArgumentException("The output is not the sealed file's length.", nameof(output));
        }

        header.CopyTo(output);
        var nonce = output.Slice(header.Length, NonceSize);

        // A random nonce per write: a device writes its store far fewer than the 2^32 times after
        // which random 96-bit nonces under one key stop being safe (NIST SP 800-38D §8.3).
        RandomNumberGenerator.Fill(nonce);
        using var aead = new AesGcm(deviceKey.KeyBytes, TagSize);
        aead.Encrypt(
            nonce,
            plaintext,
            output.Slice(header.Length + NonceSize, plaintext.Length),
            output[(header.Length + NonceSize + plaintext.Length)..],
            AssociatedData(header));
    }

    /// <summary>Opens the file's bytes into a new pinned array the caller wipes.</summary>
    /// <exception cref="DeviceStoreException">Not a store, another device's, or failed authentication.</exception>
    public static byte[] Open(DeviceKey deviceKey, ReadOnlySpan<byte> file, string path, string? expectedPneId, out string pneId)
    {
        if (file.Length < Magic.Length + 3 || !file[..Magic.Length].SequenceEqual(Magic))
        {
            DeviceThrow.Store(DeviceStoreError.UnsupportedFormat, $"The file '{path}' is not a CPNS device key store.");
        }

        if (file[Magic.Length] != FormatVersion)
        {
            DeviceThrow.Store(
                DeviceStoreError.UnsupportedFormat,
                $"The key store '{path}' has format version {file[Magic.Length]}; this library reads version {FormatVersion}.");
        }

        var idLength = BinaryPrimitives.ReadUInt16BigEndian(file[(Magic.Length + 1)..]);
        var headerLength = Magic.Length + 3 + idLength;
        if (idLength == 0 || idLength > StoreCodec.MaxIdBytes || file.Length < headerLength + NonceSize + TagSize)
        {
            // A flipped bit in the clear header lands here or in the AEAD check: both say the file is not authentic.
            DeviceThrow.StoreAuthenticationFailed(path);
        }

        var header = file[..headerLength];
        try
        {
            pneId = new UTF8Encoding(false, true).GetString(header[(Magic.Length + 3)..]);
        }
        catch (DecoderFallbackException)
        {
            DeviceThrow.StoreAuthenticationFailed(path);
            throw;
        }

        var body = file[headerLength..];
        var plaintext = GC.AllocateArray<byte>(body.Length - NonceSize - TagSize, pinned: true);
        try
        {
            using var aead = new AesGcm(deviceKey.KeyBytes, TagSize);
            aead.Decrypt(body[..NonceSize], body[NonceSize..^TagSize], body[^TagSize..], plaintext, AssociatedData(header));
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            DeviceThrow.StoreAuthenticationFailed(path);
        }

        if (expectedPneId is not null && !string.Equals(expectedPneId, pneId, StringComparison.Ordinal))
        {
            CryptographicOperations.ZeroMemory(plaintext);
            DeviceThrow.Store(DeviceStoreError.WrongDevice, $"The key store '{path}' belongs to PNE '{pneId}', not '{expectedPneId}'.");
        }

        return plaintext;
    }

    public static async Task<byte[]> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            DeviceThrow.Store(DeviceStoreError.NotFound, $"The key store '{path}' does not exist.");
        }

        if (new FileInfo(path).Length > MaxFileSize)
        {
            DeviceThrow.Store(DeviceStoreError.UnsupportedFormat, $"The file '{path}' is too large to be a key store.");
        }

        return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the file atomically: write a temporary file in the same directory, flush it to disk,
    /// rename it over the store, flush the directory. A crash at any point leaves either the old or
    /// the new store, never a mix.
    /// </summary>
    public static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, Action<StoreWriteStage>? hook, CancellationToken cancellationToken)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        var temp = fullPath + TempMarker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var renamed = false;
        try
        {
            var stream = new FileStream(temp, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            hook?.Invoke(StoreWriteStage.TempFileWritten);
            File.Move(temp, fullPath, overwrite: true);
            renamed = true;
            hook?.Invoke(StoreWriteStage.Renamed);
            DirectorySync.TrySync(directory);
        }
        catch (Exception e) when (!renamed && e is not SimulatedCrashException)
        {
            TryDelete(temp);
            DeviceThrow.Store(DeviceStoreError.WriteFailed, $"Writing the key store '{path}' failed; the previous store is intact.", e);
        }
    }

    /// <summary>Deletes temporary files a crash left behind; the store itself is never one of them.</summary>
    public static void DeleteLeftovers(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        foreach (var leftover in Directory.EnumerateFiles(directory, Path.GetFileName(fullPath) + TempMarker + "*"))
        {
            TryDelete(leftover);
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static byte[] Header(string pneId)
    {
        var id = Encoding.UTF8.GetBytes(pneId);
        var header = new byte[Magic.Length + 3 + id.Length];
        Magic.CopyTo(header, 0);
        header[Magic.Length] = FormatVersion;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(Magic.Length + 1), (ushort)id.Length);
        id.CopyTo(header, Magic.Length + 3);
        return header;
    }

    // AD = label ‖ magic ‖ version ‖ len(PNE id) ‖ PNE id: the format version and the device id are
    // authenticated, so a store cannot be passed off as another device's or another version's.
    private static byte[] AssociatedData(ReadOnlySpan<byte> header)
    {
        var ad = new byte[AssociatedDataLabel.Length + header.Length];
        AssociatedDataLabel.CopyTo(ad, 0);
        header.CopyTo(ad.AsSpan(AssociatedDataLabel.Length));
        return ad;
    }
}
