using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Cpns.Transport.Http;

namespace Cpns.Load.Server;

/// <summary>
/// The CPNS Server under test as a child process (<c>cpns server</c>), so that its memory and handles are its own:
/// SQLite under a data directory (or PostgreSQL, <c>--db</c>) and the embedded broker (or an external one, <c>--broker</c>),
/// REST on a free loopback port. Its console lines are counted by level (the console logger's <c>fail:</c>, <c>warn:</c>).
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 20;
    private readonly Process _process;
    private readonly List<string> _errorLines = [];
    private readonly List<string> _warningLines = [];
    private List<string>? _continuation;
    private long _errors;
    private long _warnings;
    private int _disposed;

    private ServerProcess(Process process, Uri baseAddress, string apiKey)
    {
        _process = process;
        BaseAddress = baseAddress;
        ApiKey = apiKey;
    }

    /// <summary>The REST base address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>An operator API key created for the run (never printed).</summary>
    public string ApiKey { get; }

    /// <summary>The child's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Lines the server logged at error or critical level.</summary>
    public long ErrorCount => Interlocked.Read(ref _errors);

    /// <summary>Lines the server logged at warning level.</summary>
    public long WarningCount => Interlocked.Read(ref _warnings);

    /// <summary>The first error lines (log messages carry no secrets by the project's rules).</summary>
    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_errorLines)
            {
                return [.. _errorLines];
            }
        }
    }

    /// <summary>The first warning lines.</summary>
    public IReadOnlyList<string> WarningLines
    {
        get
        {
            lock (_errorLines)
            {
                return [.. _warningLines];
            }
        }
    }

    /// <summary>True while the child runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Creates an operator key with <c>cpns server add-api-key</c>, starts <c>cpns server</c> and waits for <c>/readyz</c>.</summary>
    public static async Task<ServerProcess> StartAsync(ServerLauncher launcher, ServerProcessOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        var common = new List<string> { "--data", options.DataDirectory };
        if (options.Database is not null)
        {
            common.AddRange(["--db", options.Database]);
        }

        var apiKey = (await RunToEndAsync(launcher, ["server", "add-api-key", .. common, "--name", "cpns bench load", "--scope", "operator"], cancellationToken).ConfigureAwait(false)).Trim();
        if (apiKey.Length == 0 || apiKey.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("cpns server add-api-key did not print one key.");
        }

        var httpPort = FreePort();
        List<string> arguments = ["server", .. common, "--http", $"http://127.0.0.1:{httpPort}"];
        if (options.Broker is not null)
        {
            arguments.AddRange(["--broker", options.Broker]);
            if (options.BrokerCa is not null)
            {
                arguments.AddRange(["--broker-ca", options.BrokerCa]);
            }
        }
        else
        {
            arguments.AddRange(["--mqtt", $"127.0.0.1:{FreePort()}"]);
        }

        var process = new Process { StartInfo = StartInfo(launcher, arguments) };

        // The server's own log filter, through the host's environment configuration: the load tool measures the
        // server as an operator runs it in production, not with per-delivery information lines on a console.
        process.StartInfo.Environment["Logging__LogLevel__Default"] = options.LogLevel;
        process.StartInfo.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{httpPort}/"), apiKey);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException("cpns server did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM: the host stops gracefully (Kestrel, broker, database); killed if it does not within 20 s.
                using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
                {
                    if (term is not null)
                    {
                        await term.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ProcessStartInfo StartInfo(ServerLauncher launcher, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in launcher.PrefixArguments.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static async Task<string> RunToEndAsync(ServerLauncher launcher, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = StartInfo(launcher, arguments) };
        process.Start();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cpns {string.Join(' ', arguments.Take(2))} exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()}");
        }

        return await output.ConfigureAwait(false);
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new ConnectionErrorHandler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"cpns server exited with {_process.ExitCode}: {string.Join(" | ", ErrorLines)}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A slow answer while it starts.
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"cpns server was not ready within {timeout.TotalSeconds:F0} s.");
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        // The console logger writes "level: Category[id]" and the message on the next line: keep both.
        var level = LevelPrefix().Match(line);
        lock (_errorLines)
        {
            if (!level.Success)
            {
                if (_continuation is { } list && list.Count > 0 && list.Count <= KeptLines)
                {
                    list[^1] += " " + line.Trim();
                }

                _continuation = null;
                return;
            }

            _continuation = null;
            var isError = level.Groups[1].Value is "fail" or "crit";
            var list2 = isError ? _errorLines : _warningLines;
            if (isError)
            {
                Interlocked.Increment(ref _errors);
            }
            else
            {
                Interlocked.Increment(ref _warnings);
            }

            if (list2.Count < KeptLines)
            {
                list2.Add(line.Trim());
                _continuation = list2;
            }
        }
    }

    // The console logger's first line of an entry: "fail: Category[id]".
    [GeneratedRegex("^\\s*(fail|crit|warn): ")]
    private static partial Regex LevelPrefix();
}
