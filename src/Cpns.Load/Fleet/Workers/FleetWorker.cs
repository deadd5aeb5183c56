using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Cpns.Load.Server;

namespace Cpns.Load.Fleet.Workers;

/// <summary>
/// <c>cpns bench fleet-worker</c>: hosts a slice of the simulated fleet for the bench process that started it. Reads
/// <see cref="FleetCommand"/> lines on standard input, writes <see cref="FleetEvent"/> lines on standard output (and
/// nothing else there: the console goes to standard error). The end of standard input stops it: the bench process
/// closes it, or dies, and the worker then stops its gateways and devices and exits.
/// </summary>
internal sealed class FleetWorker : IAsyncDisposable
{
    private readonly Channel<FleetEvent> _out = Channel.CreateUnbounded<FleetEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<Task> _commands = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writer;
    private SimulatedFleet? _fleet;
    private ServerApi? _api;

    private FleetWorker(Stream output) => _writer = WriteAsync(output);

    /// <summary>Runs the worker until <paramref name="input"/> ends.</summary>
    /// <returns>0 at the end of input, 2 on a line that is not a command (said on <paramref name="error"/>).</returns>
    public static async Task<int> RunAsync(TextReader input, Stream output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(error);
        var worker = new FleetWorker(output);
        await using (worker.ConfigureAwait(false))
        {
            worker.Post(new HelloEvent(Environment.ProcessId, HelloEvent.CurrentVersion, Stopwatch.Frequency, Stopwatch.GetTimestamp()));
            var number = 0;
            try
            {
                while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                {
                    number++;
                    worker.Handle(FleetProtocol.ReadCommand(line));
                }
            }
            catch (FleetProtocolException e)
            {
                await error.WriteLineAsync($"cpns bench fleet-worker: standard input, line {number}: {e.Message}").ConfigureAwait(false);
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // SIGTERM: stop like at the end of input.
            }

            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var command in _commands)
        {
            try
            {
                await command.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        if (_fleet is not null)
        {
            await _fleet.DisposeAsync().ConfigureAwait(false);
        }

        _api?.Dispose();
        _out.Writer.TryComplete();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The bench process is gone; nobody reads the last lines.
        }

        _stop.Dispose();
    }

    private void Post(FleetEvent message) => _out.Writer.TryWrite(message);

    private void Handle(FleetCommand command)
    {
        switch (command)
        {
            case InitCommand init when _fleet is null:
                _api = new ServerApi(init.Server, init.ApiKey);
                _fleet = new SimulatedFleet(init.Directory, _api, init.TreeHeight, new EpochTracker((group, epoch, timestamp) => Post(new StoredEvent(group, epoch, timestamp))));
                break;
            case InitCommand:
                throw new FleetProtocolException("a second init");
            case GrowCommand when _fleet is null:
            case UsageCommand when _fleet is null:
                throw new FleetProtocolException($"{command.GetType().Name} before init");
            case GrowCommand grow when grow.Gateways.Count == 0 || grow.PnesPerGateway < 1 || grow.Parallelism < 1:
                throw new FleetProtocolException("grow needs at least one gateway, one PNE per gateway and a parallelism of 1 or more");
            case GrowCommand grow:
                // Concurrently with the reading: usage requests are answered while gateways start.
                _commands.Add(Task.Run(() => GrowAsync(_fleet, grow)));
                break;
            case UsageCommand usage:
                Post(new UsageEvent(usage.Id, FleetProcessUsage.OfThisProcess("worker", _fleet.GatewayCount, _fleet.PneCount), _fleet.Health()));
                break;
            default:
                throw new FleetProtocolException($"{command.GetType().Name} is not handled");
        }
    }

    private async Task GrowAsync(SimulatedFleet fleet, GrowCommand grow)
    {
        try
        {
            await fleet.GrowAsync(grow.Gateways, grow.PnesPerGateway, grow.Parallelism, new WorkerProgress(Post), _stop.Token).ConfigureAwait(false);
            Post(new GrownEvent(grow.Id, fleet.GatewayCount, fleet.PneCount));
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            // Said to the bench process, which ends the run with it (a worker cannot judge whether to go on).
            Post(new FailedEvent(grow.Id, $"{e.GetType().Name}: {e.Message}"));
        }
    }

    private async Task WriteAsync(Stream output)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        var reader = _out.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            // Everything queued goes out in one write: a fan-out stores thousands of epochs within a second.
            while (reader.TryRead(out var message))
            {
                await writer.WriteLineAsync(FleetProtocol.Write(message)).ConfigureAwait(false);
            }

            await writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
