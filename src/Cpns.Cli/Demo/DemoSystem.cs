using Microsoft.Extensions.Logging;

namespace Cpns.Cli.Demo;

/// <summary>
/// The running system of the demo and of the end-to-end tests, all on loopback: <c>cpns server</c> processes
/// (SQLite and the embedded broker by default), one <c>cpns gateway run</c> process per PN enrolled with a one-time
/// token from the REST API, and the PNEs paired to each gateway (EU-Key, then GKDK over the PN broker).
/// </summary>
internal sealed class DemoSystem : IAsyncDisposable
{
    private readonly DemoSystemOptions _options;
    private readonly ILoggerFactory _deviceLogs;
    private readonly List<ServerProcess> _servers = [];
    private readonly List<CpnsApi> _apis = [];
    private readonly List<GatewayProcess> _gateways = [];
    private readonly List<StoryPne> _pnes = [];

    public DemoSystem(DemoSystemOptions options, ILoggerFactory deviceLogs)
    {
        if (options.ServerInstances > 1 && (options.Database is null || options.Broker is null))
        {
            throw new ArgumentException("Several server instances need a shared PostgreSQL database and an external broker.", nameof(options));
        }

        _options = options;
        _deviceLogs = deviceLogs;
    }

    public DemoSystemOptions Options => _options;

    public IReadOnlyList<ServerProcess> Servers => _servers;

    /// <summary>The REST API of the first server instance.</summary>
    public CpnsApi Api => _apis[0];

    /// <summary>One REST client per server instance.</summary>
    public IReadOnlyList<CpnsApi> Apis => _apis;

    public string ApiKey { get; private set; } = string.Empty;

    public IReadOnlyList<GatewayProcess> Gateways => _gateways;

    public IReadOnlyList<StoryPne> Pnes => _pnes;

    public string LogDirectory => Path.Combine(_options.DataDirectory, "logs");

    /// <summary>
    /// Starts the server instances one after the other (the first migrates the database and prints the bootstrap
    /// operator key; when the database already has keys, an operator key is added with <c>cpns server add-api-key</c>).
    /// </summary>
    public async Task StartServersAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _options.ServerInstances; i++)
        {
            var name = _options.ServerInstances == 1 ? "server" : $"server-{i + 1}";
            var data = Path.Combine(_options.DataDirectory, name);
            List<string> extra = [];
            if (_options.Database is { } db)
            {
                extra.AddRange(["--db", db]);
            }

            if (_options.Broker is { } broker)
            {
                extra.AddRange(["--broker", broker, "--mqtt-client-id", $"cpns-{name}", "--instance", name]);
            }

            var server = await ServerProcess.StartAsync(name, data, Path.Combine(LogDirectory, name + ".log"), extra, ServerEnvironment(), "http://127.0.0.1:0", _options.Timeout, cancellationToken).ConfigureAwait(false);
            _servers.Add(server);
            if (i == 0)
            {
                ApiKey = server.BootstrapKey ?? await AddOperatorKeyAsync(data, cancellationToken).ConfigureAwait(false);
            }

            _apis.Add(new CpnsApi(server.Api, ApiKey));
        }
    }

    /// <summary>Issues a token per PN, starts every gateway (in parallel) and waits until each is enrolled and linked.</summary>
    public async Task StartGatewaysAsync(CancellationToken cancellationToken)
    {
        var starts = new List<Task<GatewayProcess>>();
        for (var p = 1; p <= _options.Pns; p++)
        {
            var gatewayId = $"gw-{p}";
            var token = await Api.CreateEnrollmentTokenAsync(gatewayId, cancellationToken).ConfigureAwait(false);

            // Gateways enroll with the instance of their number, so that every instance serves enrollments.
            var server = _servers[(p - 1) % _servers.Count].Api;
            starts.Add(GatewayProcess.StartAsync(gatewayId, $"pn-{p}", Path.Combine(_options.DataDirectory, gatewayId), Path.Combine(LogDirectory, gatewayId + ".log"), server, token, _options.Timeout, cancellationToken));
        }

        try
        {
            _gateways.AddRange(await Task.WhenAll(starts).ConfigureAwait(false));
        }
        finally
        {
            // Keep every gateway that did start, so that DisposeAsync stops it.
            foreach (var start in starts)
            {
                if (start.IsCompletedSuccessfully && !_gateways.Contains(start.Result))
                {
                    _gateways.Add(start.Result);
                }
            }
        }
    }

    /// <summary>Pairs every PNE with its gateway (gateways in parallel, PNEs of one gateway in turn) and waits for the server's inventory to list them.</summary>
    public async Task PairAsync(IProgress<int>? paired, CancellationToken cancellationToken)
    {
        var count = 0;
        await Task.WhenAll(_gateways.Select(async gateway =>
        {
            for (var n = 1; n <= _options.PnesPerPn; n++)
            {
                var pneId = $"{gateway.PnId}-pne-{n}";
                var data = Path.Combine(_options.DataDirectory, "devices", pneId);
                StoryPne pne = _options.DeviceProcesses
                    ? await ProcessPne.PairAsync(pneId, gateway, data, Path.Combine(LogDirectory, pneId + ".log"), _options.Timeout, cancellationToken).ConfigureAwait(false)
                    : await InProcessPne.PairAsync(pneId, gateway, data, _deviceLogs, cancellationToken).ConfigureAwait(false);
                lock (_pnes)
                {
                    _pnes.Add(pne);
                }

                paired?.Report(Interlocked.Increment(ref count));
            }
        })).ConfigureAwait(false);

        // A stable order for the view and the report.
        lock (_pnes)
        {
            _pnes.Sort((a, b) => string.CompareOrdinal(a.PneId, b.PneId));
        }

        foreach (var gateway in _gateways)
        {
            var expected = _pnes.Where(p => p.Gateway == gateway).Select(p => p.PneId).ToList();
            await Eventually.TrueAsync(
                async () => expected.All((await Api.ListPnesAsync(gateway.GatewayId, cancellationToken).ConfigureAwait(false)).Contains),
                $"the server's inventory of {gateway.GatewayId} to list its PNEs",
                _options.Timeout,
                cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Devices first, then gateways, then servers: nobody is left talking to a stopped peer.
        foreach (var pne in _pnes)
        {
            await pne.DisposeAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_gateways.Select(g => g.DisposeAsync().AsTask())).ConfigureAwait(false);
        foreach (var api in _apis)
        {
            api.Dispose();
        }

        await Task.WhenAll(_servers.Select(s => s.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private Dictionary<string, string> ServerEnvironment()
    {
        // Short loops, so that the story's periodic rotation and re-sends show within seconds.
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CPNS_Server__RotationCheckInterval"] = "00:00:01",
            ["CPNS_Server__DeliveryPollInterval"] = "00:00:00.200",
            ["CPNS_Server__DeliveryRetryDelay"] = "00:00:02",
            ["CPNS_Server__DeliveryRetryMaxDelay"] = "00:00:10",
        };
        if (_options.MasterKey is { } key)
        {
            environment[Cpns.Server.ServerOptions.MasterKeyEnvironmentVariable] = key;
        }

        return environment;
    }

    private async Task<string> AddOperatorKeyAsync(string data, CancellationToken cancellationToken)
    {
        List<string> arguments = ["server", "add-api-key", "--data", data, "--name", "cpns demo", "--scope", "Operator"];
        if (_options.Database is { } db)
        {
            arguments.AddRange(["--db", db]);
        }

        var (exit, output) = await CpnsProcess.RunAsync(Path.Combine(LogDirectory, "add-api-key.log"), arguments, _options.Timeout, cancellationToken).ConfigureAwait(false);
        var key = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return exit == 0 && key is not null ? key : throw new InvalidOperationException($"cpns server add-api-key failed ({exit}).");
    }
}
