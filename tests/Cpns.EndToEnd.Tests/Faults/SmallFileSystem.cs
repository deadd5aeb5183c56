using System.Diagnostics;

namespace Cpns.EndToEnd.Tests.Faults;

/// <summary>
/// A small tmpfs mounted for one test (root only; the test skips when the mount is refused): a real file system
/// that runs out of space, so a write fails with ENOSPC exactly as on a full flash of a device.
/// </summary>
internal sealed class SmallFileSystem : IAsyncDisposable
{
    private SmallFileSystem(string path) => Path = path;

    public string Path { get; }

    private string Filler => System.IO.Path.Combine(Path, "filler");

    public static async Task<SmallFileSystem> MountOrSkipAsync(string path, int kilobytes)
    {
        Directory.CreateDirectory(path);
        var (code, output) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k,mode=0700", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            Assert.Skip($"Cannot mount a tmpfs here (needs root): {output.Trim()}");
        }

        return new SmallFileSystem(path);
    }

    /// <summary>Fills every free byte with a filler file; returns its size.</summary>
    public long Fill()
    {
        using var filler = new FileStream(Filler, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        var page = new byte[4096];
        long written = 0;
        foreach (var size in new[] { 4096, 512, 1 })
        {
            try
            {
                while (true)
                {
                    filler.Write(page, 0, size);
                    filler.Flush(flushToDisk: true);
                    written += size;
                }
            }
            catch (IOException)
            {
                // ENOSPC: try smaller pieces until not even a byte fits.
                filler.SetLength(written);
            }
        }

        return written;
    }

    public void Free() => File.Delete(Filler);

    public async ValueTask DisposeAsync()
    {
        var (code, output) = await RunAsync("umount", "-l", Path);
        Assert.True(code == 0, $"umount {Path}: {output}");
        Directory.Delete(Path);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
