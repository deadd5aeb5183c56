using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Server.Inventory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cpns.Server.Tests.Infrastructure;

/// <summary>A real server on 127.0.0.1 (port 0) with a real SQLite file in a temp directory, or a fresh PostgreSQL database.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly bool _ownsDirectory;
    private readonly List<HttpClient> _clients = [];

    // A PostgreSQL database made for this server alone (StartAsync(DatabaseKind)), dropped after the host stops.
    private PostgresDatabase? _ownedDatabase;

    private TestServer(ServerHost host, ServerOptions options, string operatorKey, bool ownsDirectory, CollectingLoggerProvider logs)
    {
        Host = host;
        Options = options;
        OperatorKey = operatorKey;
        _ownsDirectory = ownsDirectory;
        Logs = logs;
        Client = CreateClient(operatorKey);
    }

    public ServerHost Host { get; }

    public ServerOptions Options { get; }

    public string OperatorKey { get; }

    public HttpClient Client { get; }

    public CollectingLoggerProvider Logs { get; }

    public Uri BaseAddress => Host.Addresses[0];

    /// <summary>A fresh, not yet existing path: the server creates its data directory itself (mode 0700).</summary>
    public static string NewPath() => Path.Combine(Path.GetTempPath(), "cpns-server-tests", Guid.NewGuid().ToString("N"));

    public static string NewDirectory()
    {
        var dir = NewPath();
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static async Task<TestServer> StartAsync(
        string? database = null,
        string? dataDirectory = null,
        string? masterKey = null,
        Action<ServerOptions>? configure = null,
        string? operatorKey = null)
    {
        var ownsDirectory = dataDirectory is null;
        var options = new ServerOptions { DataDirectory = dataDirectory ?? NewPath(), Database = database, MasterKey = masterKey, BootstrapOutput = TextWriter.Null };
        options.HttpUrls.Clear();
        options.HttpUrls.Add("http://127.0.0.1:0");
        options.MqttListen = "127.0.0.1:0";
        options.DeliveryPollInterval = TimeSpan.FromMilliseconds(50);
        options.DeliveryRetryDelay = TimeSpan.FromSeconds(2);
        options.DeliveryRetryMaxDelay = TimeSpan.FromSeconds(10);
        var logs = new CollectingLoggerProvider();
        options.ConfigureLogging = logging =>
        {
            logging.ClearProviders();
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddFilter("Microsoft", LogLevel.Warning);
            logging.AddProvider(logs);
        };
        configure?.Invoke(options);
        operatorKey ??= await ServerHost.AddApiKeyAsync(options, "test operator", ApiKeyScope.Operator, TestContext.Current.CancellationToken);
        var host = await ServerHost.StartAsync(options, TestContext.Current.CancellationToken);
        return new TestServer(host, options, operatorKey, ownsDirectory, logs);
    }

    /// <summary>
    /// A server on a fresh SQLite file or on a fresh PostgreSQL database of its own (the test skips without
    /// <c>CPNS_TEST_POSTGRES</c>), dropped when the server is disposed.
    /// </summary>
    public static async Task<TestServer> StartAsync(DatabaseKind database, Action<ServerOptions>? configure = null)
    {
        if (database == DatabaseKind.Sqlite)
        {
            return await StartAsync(configure: configure);
        }

        var postgres = PostgresDatabase.CreateOrSkip();
        try
        {
            var server = await StartAsync(database: postgres.ConnectionString, configure: configure);
            server._ownedDatabase = postgres;
            return server;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    public HttpClient CreateClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        _clients.Add(client);
        return client;
    }

    public T Service<T>()
        where T : notnull => Host.Services.GetRequiredService<T>();

    public Task<string> AddKeyAsync(string name, ApiKeyScope scope) =>
        ServerHost.AddApiKeyAsync(Options, name, scope, TestContext.Current.CancellationToken);

    public Task RegisterPneAsync(string gatewayId, string pneId, string? pnId = null) =>
        Service<InventoryService>().RecordPneAsync(gatewayId, pnId ?? "pn-" + gatewayId, pneId, "alias " + pneId, null, TestContext.Current.CancellationToken);

    public async Task<JsonElement> CreateGroupAsync(string name = "game", HttpClient? client = null, object? policy = null)
    {
        var response = await (client ?? Client).PostAsJsonAsync("/groups", new { name, policy }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    public async Task<JsonElement> AddMemberAsync(Guid groupId, string gatewayId, string pneId)
    {
        var response = await Client.PostAsJsonAsync($"/groups/{groupId}/members", new { gatewayId, pneId }, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Host.DisposeAsync();
        if (_ownedDatabase is not null)
        {
            await _ownedDatabase.DisposeAsync();
        }

        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(Options.DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
