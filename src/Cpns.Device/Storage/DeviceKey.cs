using System.Security.Cryptography;

namespace Cpns.Device.Storage;

/// <summary>
/// The 256-bit key a <see cref="DeviceKeyStore"/> is encrypted under: read from a key file that only
/// its owner may read (mode 0600 on Unix), or supplied by the embedding application (from a TPM, a
/// platform keystore, a secure element). The key bytes live in a pinned array wiped on
/// <see cref="Dispose"/>.
/// </summary>
public sealed class DeviceKey : IDisposable
{
    /// <summary>The key size in bytes.</summary>
    public const int KeySize = 32;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly byte[] _key;
    private bool _disposed;

    private DeviceKey(ReadOnlySpan<byte> key)
    {
        _key = GC.AllocateArray<byte>(KeySize, pinned: true);
        key.CopyTo(_key);
    }

    internal ReadOnlySpan<byte> KeyBytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <summary>Wraps key bytes supplied by the embedding application. The bytes are copied; the caller wipes its copy.</summary>
    public static DeviceKey Import(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            DeviceThrow.Argument(nameof(key), "A device key is 32 bytes.");
        }

        return new DeviceKey(key);
    }

    /// <summary>
    /// Reads the key file at <paramref name="path"/>, creating it with 32 random bytes and mode 0600
    /// when it does not exist.
    /// </summary>
    /// <exception cref="DeviceStoreException">The file is readable or writable by others, or is not 32 bytes.</exception>
    public static DeviceKey LoadOrCreateFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return File.Exists(path) ? LoadFile(path) : CreateFile(path);
    }

    /// <summary>Creates a new key file with 32 random bytes, mode 0600 from the moment it exists.</summary>
    /// <exception cref="DeviceStoreException">A file already exists at <paramref name="path"/>.</exception>
    public static DeviceKey CreateFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Span<byte> key = stackalloc byte[KeySize];
        RandomNumberGenerator.Fill(key);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // The mode is set by open(2) itself, so there is no moment where the key is world-readable.
                options.UnixCreateMode = OwnerOnly;
            }

            using (var stream = OpenForCreate(path, options))
            {
                stream.Write(key);
                stream.Flush(flushToDisk: true);
            }

            return new DeviceKey(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Reads an existing key file, refusing it when anyone but its owner can read or write it.</summary>
    /// <exception cref="DeviceStoreException">The file is missing, too permissive, or not 32 bytes.</exception>
    public static DeviceKey LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            DeviceThrow.Store(DeviceStoreError.NotFound, $"The device key file '{path}' does not exist.");
        }

        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                DeviceThrow.Store(
                    DeviceStoreError.KeyFileInsecure,
                    $"The device key file '{path}' has mode {Octal(mode)}; it must be readable and writable by its owner only (0600). Run: chmod 600 '{path}'.");
            }
        }

        Span<byte> key = stackalloc byte[KeySize + 1];
        try
        {
            int read;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
            {
                read = stream.ReadAtLeast(key, key.Length, throwOnEndOfStream: false);
            }

            if (read != KeySize)
            {
                DeviceThrow.Store(DeviceStoreError.KeyFileInvalid, $"The device key file '{path}' must hold exactly 32 bytes.");
            }

            return new DeviceKey(key[..KeySize]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => "DeviceKey";

    private static FileStream OpenForCreate(string path, FileStreamOptions options)
    {
        try
        {
            return new FileStream(path, options);
        }
        catch (IOException e) when (File.Exists(path))
        {
            DeviceThrow.Store(DeviceStoreError.AlreadyExists, $"The device key file '{path}' already exists.", e);
            return null;
        }
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);
}
