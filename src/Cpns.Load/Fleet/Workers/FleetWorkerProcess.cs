using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cpns.Load.Server;

namespace Cpns.Load.Fleet.Workers;

/// <summary>
/// The bench process's side of one fleet worker (<c>cpns bench fleet-worker</c>, a child process): commands to its
/// standard input, events from its standard output, the last lines of its standard error kept for the message when it
/// dies. A malformed line, an unexpected exit or a failed command faults the worker: every pending request fails
/// and the fault callback gets a message that says which worker, why, and what it last wrote on stderr.
/// </summary>
internal sealed class FleetWorkerProcess : IAsyncDisposable
{
    private const int KeptStderrLines = 20;

    /// <summary>The runtime's knob for how long an idle thread-pool thread spins before it waits.</summary>
    internal const string ThreadPoolSpinLimitVariable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";
    private readonly Process _process;
    private readonly Queue<string> _stderr = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<FleetEvent>> _pending = new();
    private readonly TaskCompletionSource<HelloEvent> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly Action<StoredEvent> _onStored;
    private readonly Action<string> _onFault;
    private readonly Task _reader;
    private int _nextId;
    private int _stopping;
    private int _disposed;

    private FleetWorkerProcess(int number, Process process, Action<StoredEvent> onStored, Action<string> onFault)
    {
        Number = number;
        _process = process;
        _onStored = onStored;
        _onFault = onFault;
        process.ErrorDataReceived += (_, e) => OnStderr(e.Data);
        process.BeginErrorReadLine();
        _reader = Task.Run(ReadAsync);
    }

    /// <summary>1, 2, ...: how the worker is named in messages and the report.</summary>
    public int Number { get; }

    public int ProcessId => _process.Id;

    /// <summary>Where a grow's progress steps go (the bench process's current stage).</summary>
    public ILoadProgress? Progress { get; set; }

    /// <summary>The last usage the worker answered (kept for the report when it has gone since).</summary>
    public UsageEvent? LastUsage { get; private set; }

    /// <summary>Starts <c>cpns bench fleet-worker</c>, waits for its hello, checks its clock and sends it <paramref name="init"/>.</summary>
    public static async Task<FleetWorkerProcess> StartAsync(int number, ServerLauncher launcher, InitCommand init, Action<StoredEvent> onStored, Action<string> onFault, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        var info = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
        };

        // A worker hosts thousands of MQTT clients, whose traffic is a stream of tiny work items, after each of which
        // an idle pool thread spins before it sleeps. With MQTTnet's 250 ms keep-alive poll per client (since replaced
        // by KeepAliveClock, fix 18) not spinning cut a loaded fleet's CPU per delivery to 0.84x
        // (bench/results/load-notes.md, fix 17); it was not measured again after fix 18. Since fix 26 cpns's
        // runtimeconfig sets the same for every role; the variable stays so that a worker runs without spinning
        // whatever runtimeconfig the launched build carries.
        info.Environment[ThreadPoolSpinLimitVariable] = "0";
        foreach (var argument in launcher.PrefixArguments.Concat(["bench", "fleet-worker"]))
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        if (!process.Start())
        {
            process.Dispose();
            throw new InvalidOperationException($"fleet worker {number} did not start.");
        }

        var worker = new FleetWorkerProcess(number, process, onStored, onFault);
        try
        {
            HelloEvent hello;
            try
            {
                hello = await worker._hello.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"fleet worker {number} (pid {worker.ProcessId}) said no hello within {timeout.TotalSeconds:F0} s.{worker.StderrTail()}");
            }

            var now = Stopwatch.GetTimestamp();
            if (hello.Version != HelloEvent.CurrentVersion || hello.Frequency != Stopwatch.Frequency || hello.Timestamp > now)
            {
                // A store's timestamp is compared with this process's rotate request: the clocks must be one.
                throw new InvalidOperationException($"fleet worker {number}: protocol version {hello.Version} (want {HelloEvent.CurrentVersion}), Stopwatch frequency {hello.Frequency} (this process {Stopwatch.Frequency}), hello timestamp {hello.Timestamp} (this process read {now} after it): not the same clock or not the same build.");
            }

            await worker.SendAsync(init, cancellationToken).ConfigureAwait(false);
            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the gateways of <paramref name="gateways"/> and waits until the server lists their PNEs.</summary>
    public async Task<GrownEvent> GrowAsync(IReadOnlyList<int> gateways, int pnesPerGateway, int parallelism, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        return (GrownEvent)await RequestAsync(id, new GrowCommand(id, gateways, pnesPerGateway, parallelism), cancellationToken).ConfigureAwait(false);
    }

    public async Task<UsageEvent> UsageAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var usage = (UsageEvent)await RequestAsync(id, new UsageCommand(id), cancellationToken).ConfigureAwait(false);
        LastUsage = usage;
        return usage;
    }

    /// <summary>Closes the worker's standard input (it then stops its fleet and exits), and kills it if it has not within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Volatile.Write(ref _stopping, 1);
        try
        {
            await _write.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                _process.StandardInput.Close();
            }
            finally
            {
                _write.Release();
            }
        }
        catch (IOException)
        {
            // Already gone.
        }

        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!_process.HasExited)
        {
            await StopAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        }

        await _reader.ConfigureAwait(false);
        _process.Dispose();
        _write.Dispose();
    }

    private async Task<FleetEvent> RequestAsync(int id, FleetCommand command, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<FleetEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            await SendAsync(command, cancellationToken).ConfigureAwait(false);
            var message = await answer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            return message is FailedEvent failed ? throw new InvalidOperationException($"fleet worker {Number}: {failed.Error}") : message;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task SendAsync(FleetCommand command, CancellationToken cancellationToken)
    {
        var line = FleetProtocol.Write(command);
        await _write.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"fleet worker {Number} (pid {ProcessId}) no longer reads its input ({e.Message}).{StderrTail()}", e);
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task ReadAsync()
    {
        string? fault = null;
        try
        {
            var number = 0;
            while (await _process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                number++;
                var message = FleetProtocol.ReadEvent(line);
                if (number == 1 != message is HelloEvent)
                {
                    throw new FleetProtocolException($"line {number}: {(number == 1 ? "the first line must be hello" : "a second hello")}");
                }

                Dispatch(message);
            }

            // The end of its output: the worker exited. Expected only once it was told to stop.
            if (Volatile.Read(ref _stopping) == 0)
            {
                await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                fault = $"fleet worker {Number} (pid {ProcessId}) exited with {_process.ExitCode} during the run.";
            }
        }
        catch (FleetProtocolException e)
        {
            fault = $"fleet worker {Number} (pid {ProcessId}) sent a malformed line: {e.Message}";
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
        catch (IOException e)
        {
            fault = $"fleet worker {Number} (pid {ProcessId}): its output broke ({e.Message}).";
        }

        if (fault is not null)
        {
            // The stderr reader may still be draining the last lines of a crash.
            await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
            fault += StderrTail();
            var error = new InvalidOperationException(fault);
            _hello.TrySetException(error);
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(error);
            }

            _onFault(fault);
        }
        else
        {
            _hello.TrySetException(new InvalidOperationException($"fleet worker {Number} stopped before its hello."));
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new InvalidOperationException($"fleet worker {Number} stopped."));
            }
        }
    }

    private void Dispatch(FleetEvent message)
    {
        switch (message)
        {
            case HelloEvent hello:
                _hello.TrySetResult(hello);
                break;
            case StoredEvent stored:
                _onStored(stored);
                break;
            case ProgressEvent progress:
                Progress?.Advance(progress.Steps);
                break;
            case GrownEvent or UsageEvent or FailedEvent:
                var id = message switch { GrownEvent g => g.Id, UsageEvent u => u.Id, _ => ((FailedEvent)message).Id };
                if (_pending.TryGetValue(id, out var answer))
                {
                    answer.TrySetResult(message);
                }
                else if (id < 1 || id > Volatile.Read(ref _nextId))
                {
                    throw new FleetProtocolException($"an answer to request {id}, which was never sent");
                }

                // Else the answer to a request given up on (cancelled): nobody waits for it.
                break;
            default:
                throw new FleetProtocolException($"{message.GetType().Name} is not handled");
        }
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line);
            if (_stderr.Count > KeptStderrLines)
            {
                _stderr.Dequeue();
            }
        }
    }

    private string StderrTail()
    {
        lock (_stderr)
        {
            return _stderr.Count == 0 ? " Its standard error was empty." : " Its standard error ended: " + string.Join(" | ", _stderr);
        }
    }
}
