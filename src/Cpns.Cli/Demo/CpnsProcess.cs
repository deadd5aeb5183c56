using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Cpns.Cli.Demo;

/// <summary>
/// A child <c>cpns</c> process (the same build as this one): its standard output and error go line by line to a log
/// file and to a buffer that <c>WaitForLineAsync</c> searches. Stopped with SIGTERM (graceful) or killed with
/// SIGKILL (a crash, for fault tests).
/// </summary>
internal sealed partial class CpnsProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly StreamWriter _log;
    // The lines kept in memory for WaitForLineAsync (all of them go to the log file): a process kept up for days
    // (cpns demo --keep) must not grow without bound. Line numbers stay absolute across the trim.
    private const int MaxLines = 20_000;

    private readonly List<string> _lines = [];
    private int _trimmed;
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CpnsProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    /// <summary>A short name for messages, e.g. <c>server</c> or <c>gw-1</c>.</summary>
    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <c>cpns</c> with <paramref name="arguments"/>, appending its output to <paramref name="logPath"/>.
    /// <paramref name="environment"/> adds variables (e.g. <c>CPNS_Server__RotationCheckInterval</c>).
    /// </summary>
    public static CpnsProcess Start(string name, string logPath, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = StartInfo(arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.RedirectStandardInput = true;
        info.UseShellExecute = false;
        info.StandardOutputEncoding = Encoding.UTF8;
        info.StandardErrorEncoding = Encoding.UTF8;

        // Plain lines: no ANSI colours in the logs the demo and tests read.
        info.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "0";
        info.Environment["NO_COLOR"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new CpnsProcess(name, process, log);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child.Signal();
        if (!process.Start())
        {
            log.Dispose();
            throw new InvalidOperationException($"Could not start {name}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Runs <c>cpns</c> to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string logPath, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var child = Start(Path.GetFileNameWithoutExtension(logPath), logPath, arguments);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await child._process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"cpns {string.Join(' ', arguments)} did not end within {timeout.TotalSeconds:F0} s.");
        }

        // The exit can be seen before the last redirected lines are read.
        await child._process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        return (child._process.ExitCode, string.Join('\n', child.Lines));
    }

    /// <summary>The lines so far (the latest 10,000 to 20,000 of a long-running process).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The lines from absolute line number <paramref name="from"/> on, and the number to ask from next time.</summary>
    public (IReadOnlyList<string> Lines, int Next) LinesFrom(int from)
    {
        lock (_gate)
        {
            var start = Math.Max(0, from - _trimmed);
            return (_lines.GetRange(start, _lines.Count - start), _trimmed + _lines.Count);
        }
    }

    /// <summary>Waits for the first line (from the start) that <paramref name="match"/> accepts and returns it.</summary>
    /// <exception cref="TimeoutException">No such line in time; the message quotes the process's last lines.</exception>
    /// <exception cref="InvalidOperationException">The process ended first.</exception>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForLineAsync(match, 0, timeout, cancellationToken);

    /// <summary>Like <see cref="WaitForLineAsync(Func{string, bool}, TimeSpan, CancellationToken)"/> from line <paramref name="from"/> on.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, int from, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = Math.Max(0, from - _trimmed); i < _lines.Count; i++)
                {
                    if (match(_lines[i]))
                    {
                        return _lines[i];
                    }
                }

                changed = _changed.Task;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited (code {_process.ExitCode}) before the expected output. Last lines:\n{Tail()}");
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"{Name} did not print the expected line within {timeout.TotalSeconds:F0} s. Last lines:\n{Tail()}");
            }

            try
            {
                await changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Look again: the exit check above runs at least once a second.
            }
        }
    }

    /// <summary>The number of lines so far, to wait for a line printed after this point.</summary>
    public int LineCount
    {
        get
        {
            lock (_gate)
            {
                return _trimmed + _lines.Count;
            }
        }
    }

    /// <summary>SIGTERM, then waits up to <paramref name="grace"/> for the exit, then SIGKILL.</summary>
    /// <returns>True when the process ended by itself within the grace period.</returns>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return true;
        }

        if (OperatingSystem.IsWindows())
        {
            _process.Kill(entireProcessTree: true);
        }
        else
        {
            _ = Kill(_process.Id, SigTerm);
        }

        using var wait = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything, as in a crash or power loss.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        _process.Dispose();
        lock (_gate)
        {
            _log.Dispose();
        }
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        // The apphost when this process is one; else `dotnet cpns.dll` (under `dotnet test`, or `dotnet cpns.dll`).
        var self = Environment.ProcessPath;
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "cpns.exe" : "cpns");
        ProcessStartInfo info;
        if (self is not null && string.Equals(Path.GetFullPath(self), Path.GetFullPath(apphost), StringComparison.Ordinal))
        {
            info = new ProcessStartInfo(apphost);
        }
        else
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
                : self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
            info = new ProcessStartInfo(dotnet);
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cpns.dll"));
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            if (_lines.Count > MaxLines)
            {
                _lines.RemoveRange(0, MaxLines / 2);
                _trimmed += MaxLines / 2;
            }

            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after dispose: nothing to keep.
            }
        }

        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    private string Tail()
    {
        lock (_gate)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - 15)));
        }
    }
}
