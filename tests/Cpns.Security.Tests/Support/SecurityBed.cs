using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Cpns.EndToEnd.Tests.Support;
using Cpns.Server;
using Cpns.Server.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// A real CPNS Server (in-process <see cref="ServerHost"/>, SQLite, embedded broker on 127.0.0.1 port 0) and real
/// PNs (<see cref="PnNode"/>) enrolled with tokens from its REST API, every log line of every part captured at Debug
/// in <see cref="Logs"/>. Adapted from tests/Cpns.EndToEnd.Tests/Support/EndToEndBed.cs.
/// </summary>
internal sealed class SecurityBed : IAsyncDisposable
{
    private readonly TestDirectory _directory;
    private readonly List<PnNode> _nodes = [];
    private bool _stopped;

    private SecurityBed(TestDirectory directory, ServerOptions options, ServerHost server, HttpClient api, string apiKey, LogCapture logs)
    {
        _directory = directory;
        Options = options;
        Server = server;
        Api = api;
        OperatorApiKey = apiKey;
        Logs = logs;
    }

    public ServerOptions Options { get; }

    public ServerHost Server { get; }

    /// <summary>The REST API with the operator key.</summary>
    public HttpClient Api { get; }

    public string OperatorApiKey { get; }

    public LogCapture Logs { get; }

    /// <summary>Every enrollment token issued (secrets the scan looks for).</summary>
    public List<string> Tokens { get; } = [];

    public IReadOnlyList<PnNode> Nodes => _nodes;

    public string RootDirectory => _directory.Path;

    public string ServerDirectory => Options.DataDirectory;

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<SecurityBed> StartAsync(bool https = false)
    {
        var logs = new LogCapture();
        var directory = new TestDirectory();
        var options = new ServerOptions
        {
            DataDirectory = Path.Combine(directory.Path, "server"),
            MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            BootstrapOutput = TextWriter.Null,
            MqttListen = "127.0.0.1:0",
            DeliveryPollInterval = TimeSpan.FromMilliseconds(50),
            DeliveryRetryDelay = TimeSpan.FromMilliseconds(500),
            DeliveryRetryMaxDelay = TimeSpan.FromSeconds(3),
            ConfigureLogging = logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Debug).AddProvider(logs),
        };
        options.HttpUrls.Clear();
        options.HttpUrls.Add(https ? "https://127.0.0.1:0" : "http://127.0.0.1:0");
        var apiKey = await ServerHost.AddApiKeyAsync(options, "security operator", ApiKeyScope.Operator, Ct);
        var server = await ServerHost.StartAsync(options, Ct);
        var handler = new HttpClientHandler();
        if (https)
        {
            // The bed's own operator client trusts the server's self-signed certificate; the tests of the real
            // clients' validation do not go through this client.
            handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;
        }

        var api = new HttpClient(handler) { BaseAddress = server.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return new SecurityBed(directory, options, server, api, apiKey, logs);
    }

    public T Service<T>()
        where T : notnull => Server.Services.GetRequiredService<T>();

    /// <summary>Publishes raw bytes on a gateway's downlink as the server does (the server's own broker connection).</summary>
    public Task PublishToGatewayAsync(string gatewayId, byte[] payload) =>
        Service<GatewayLink>().PublishAsync(gatewayId, payload, TimeSpan.FromSeconds(10), Ct);

    /// <summary>Issues a one-time enrollment token for the gateway id.</summary>
    public async Task<string> TokenAsync(string gatewayId)
    {
        var response = await Api.PostAsJsonAsync("/gateways/enrollments", new { gatewayId }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
        Tokens.Add(token);
        return token;
    }

    /// <summary>Issues a token, starts the gateway (which enrolls and connects) and pairs its devices.</summary>
    public Task<PnNode> GatewayAsync(string gatewayId, params string[] pneIds) => PinnedGatewayAsync(gatewayId, null, pneIds);

    /// <summary>As <see cref="GatewayAsync(string, string[])"/>, the gateway trusting exactly the CA in <paramref name="serverCaPath"/> for HTTPS.</summary>
    public async Task<PnNode> PinnedGatewayAsync(string gatewayId, string? serverCaPath, params string[] pneIds)
    {
        var token = await TokenAsync(gatewayId);
        var node = await PnNode.StartAsync(gatewayId, Path.Combine(_directory.Path, gatewayId), Server.Addresses[0], token, Logs, serverCaPath);
        _nodes.Add(node);
        foreach (var pneId in pneIds)
        {
            await node.PairAsync(pneId);
        }

        await Eventually.TrueAsync(
            async () =>
            {
                var pnes = await Api.GetFromJsonAsync<JsonElement>($"/gateways/{gatewayId}/pnes", Ct);
                var known = pnes.EnumerateArray().Select(p => p.GetProperty("pneId").GetString()).ToHashSet(StringComparer.Ordinal);
                return pneIds.All(known.Contains);
            },
            $"the server's inventory of {gatewayId} to list {string.Join(", ", pneIds)}");
        return node;
    }

    public async Task<string> CreateGroupAsync(params (PnNode Node, string PneId)[] members)
    {
        var response = await Api.PostAsJsonAsync("/groups", new { name = "security" }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        foreach (var (node, pneId) in members)
        {
            var added = await Api.PostAsJsonAsync($"/groups/{id}/members", new { gatewayId = node.GatewayId, pneId }, Ct);
            Assert.Equal(System.Net.HttpStatusCode.Created, added.StatusCode);

            // One join at a time, each delivered before the next (as EndToEndBed does).
            await Eventually.TrueAsync(async () => await node.EpochAsync(pneId, id.ToString("D")) >= 1, $"{pneId} to hold the group key after joining");
            await Eventually.TrueAsync(
                async () => (await Api.GetFromJsonAsync<JsonElement>($"/groups/{id}/deliveries", Ct)).EnumerateArray()
                    .Any(d => d.GetProperty("gatewayId").GetString() == node.GatewayId && d.GetProperty("status").GetString() == "Acknowledged"),
                $"the server to record {node.GatewayId}'s answer for {pneId}");
        }

        return id.ToString("D");
    }

    public Task<long> RemoveMemberAsync(string groupId, PnNode node, string pneId) =>
        EpochOfAsync(Api.DeleteAsync($"/groups/{groupId}/members/{node.GatewayId}:{pneId}", Ct));

    public Task<long> CompromiseAsync(string groupId, PnNode node, string pneId) =>
        EpochOfAsync(Api.PostAsync($"/groups/{groupId}/members/{node.GatewayId}:{pneId}/compromise", null, Ct));

    public Task<long> RotateAsync(string groupId) =>
        EpochOfAsync(Api.PostAsync($"/groups/{groupId}/rotate", null, Ct));

    public Task<long> DeleteGroupAsync(string groupId) =>
        EpochOfAsync(Api.DeleteAsync($"/groups/{groupId}", Ct));

    /// <summary>Stops every gateway, device and the server (so that every database is flushed) and keeps the files.</summary>
    public async Task StopAllAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
        _stopped = true;
        await Server.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Api.Dispose();
        if (!_stopped)
        {
            await Server.DisposeAsync();
        }

        _directory.Dispose();
    }

    private static async Task<long> EpochOfAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("epoch").GetInt64();
    }
}
