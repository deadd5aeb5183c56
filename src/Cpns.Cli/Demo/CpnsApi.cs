using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cpns.Transport.Http;

namespace Cpns.Cli.Demo;

/// <summary>The CPNS Server's REST API as an operator uses it (bearer API key); each failure names the call and the server's problem text.</summary>
internal sealed class CpnsApi : IDisposable
{
    private readonly HttpClient _http;

    public CpnsApi(Uri baseAddress, string apiKey)
    {
        BaseAddress = baseAddress;
        _http = new HttpClient(new ConnectionErrorHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public Uri BaseAddress { get; }

    /// <summary><c>POST /gateways/enrollments</c>: a one-time enrollment token for the gateway.</summary>
    public async Task<string> CreateEnrollmentTokenAsync(string gatewayId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, "/gateways/enrollments", new { gatewayId }, cancellationToken).ConfigureAwait(false)).GetProperty("token").GetString()!;

    /// <summary><c>GET /gateways/{id}/pnes</c>: the PNE ids the gateway has reported.</summary>
    public async Task<IReadOnlySet<string>> ListPnesAsync(string gatewayId, CancellationToken cancellationToken)
    {
        var pnes = await SendAsync(HttpMethod.Get, $"/gateways/{Uri.EscapeDataString(gatewayId)}/pnes", null, cancellationToken).ConfigureAwait(false);
        return pnes.EnumerateArray().Select(p => p.GetProperty("pneId").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary><c>POST /groups</c>: creates a Service Group (its GK epoch 1); returns its id.</summary>
    public async Task<string> CreateGroupAsync(string name, int? rotationIntervalSeconds, CancellationToken cancellationToken)
    {
        var group = await SendAsync(HttpMethod.Post, "/groups", new { name, policy = new { rotationIntervalSeconds, rotateOnJoin = false } }, cancellationToken).ConfigureAwait(false);
        return group.GetProperty("id").GetGuid().ToString("D");
    }

    /// <summary><c>POST /groups/{id}/members</c>; returns the epoch the member receives.</summary>
    public async Task<long> AddMemberAsync(string groupId, string gatewayId, string pneId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Post, $"/groups/{groupId}/members", new { gatewayId, pneId }, cancellationToken).ConfigureAwait(false)).GetProperty("epoch").GetInt64();

    /// <summary><c>DELETE /groups/{id}/members/{gw:pne}</c>: the member leaves; returns the new epoch.</summary>
    public Task<long> RemoveMemberAsync(string groupId, string gatewayId, string pneId, CancellationToken cancellationToken) =>
        EpochAsync(HttpMethod.Delete, $"/groups/{groupId}/members/{Uri.EscapeDataString(gatewayId + ":" + pneId)}", cancellationToken);

    /// <summary><c>POST /groups/{id}/members/{gw:pne}/compromise</c>; returns the new epoch.</summary>
    public Task<long> CompromiseAsync(string groupId, string gatewayId, string pneId, CancellationToken cancellationToken) =>
        EpochAsync(HttpMethod.Post, $"/groups/{groupId}/members/{Uri.EscapeDataString(gatewayId + ":" + pneId)}/compromise", cancellationToken);

    /// <summary><c>POST /groups/{id}/rotate</c>; returns the new epoch.</summary>
    public Task<long> RotateAsync(string groupId, CancellationToken cancellationToken) =>
        EpochAsync(HttpMethod.Post, $"/groups/{groupId}/rotate", cancellationToken);

    /// <summary><c>DELETE /groups/{id}</c>; returns the epoch of the delete.</summary>
    public Task<long> DeleteGroupAsync(string groupId, CancellationToken cancellationToken) =>
        EpochAsync(HttpMethod.Delete, $"/groups/{groupId}", cancellationToken);

    /// <summary><c>GET /groups/{id}</c>: the group's current epoch.</summary>
    public async Task<long> CurrentEpochAsync(string groupId, CancellationToken cancellationToken) =>
        (await SendAsync(HttpMethod.Get, $"/groups/{groupId}", null, cancellationToken).ConfigureAwait(false)).GetProperty("currentEpoch").GetInt64();

    /// <summary><c>GET /groups/{id}/deliveries</c>: (gateway, epoch, status) of every delivery of the group.</summary>
    public async Task<IReadOnlyList<(string GatewayId, long Epoch, string Status)>> DeliveriesAsync(string groupId, CancellationToken cancellationToken)
    {
        var rows = await SendAsync(HttpMethod.Get, $"/groups/{groupId}/deliveries", null, cancellationToken).ConfigureAwait(false);
        return [.. rows.EnumerateArray().Select(d => (d.GetProperty("gatewayId").GetString()!, d.GetProperty("epoch").GetInt64(), d.GetProperty("status").GetString()!))];
    }

    /// <summary><c>GET /audit?groupId=</c>: (actor, action, epoch) of the group's audit entries, oldest first.</summary>
    public async Task<IReadOnlyList<(string Actor, string Action, long? Epoch)>> AuditAsync(string groupId, CancellationToken cancellationToken)
    {
        var rows = await SendAsync(HttpMethod.Get, $"/audit?groupId={groupId}&limit=1000", null, cancellationToken).ConfigureAwait(false);
        return [.. rows.EnumerateArray().Select(a => (
            a.GetProperty("actor").GetString()!,
            a.GetProperty("action").GetString()!,
            a.TryGetProperty("epoch", out var e) && e.ValueKind == JsonValueKind.Number ? e.GetInt64() : (long?)null))];
    }

    public void Dispose() => _http.Dispose();

    private async Task<long> EpochAsync(HttpMethod method, string path, CancellationToken cancellationToken) =>
        (await SendAsync(method, path, null, cancellationToken).ConfigureAwait(false)).GetProperty("epoch").GetInt64();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {Problem(text)}", null, response.StatusCode);
        }

        return response.StatusCode == HttpStatusCode.NoContent || text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Problem(string text)
    {
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            return problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? string.Empty
                : problem.TryGetProperty("title", out var title) ? title.GetString() ?? string.Empty : text;
        }
        catch (JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }
}
