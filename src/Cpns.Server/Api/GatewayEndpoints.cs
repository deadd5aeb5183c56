using System.Security.Claims;
using Cpns.Server.Auth;
using Cpns.Server.Enrollment;
using Cpns.Server.Inventory;
using Cpns.Server.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Api;

/// <summary>Operator-only gateway operations: enrollment tokens and (temporarily) the PN inventory.</summary>
internal static class GatewayEndpoints
{
    public const string OperatorPolicy = "operator";

    /// <summary>Maps <c>POST /gateways/enroll</c>: anonymous (the gateway has no credential but its token), outside the API-key group.</summary>
    public static void MapEnrollment(IEndpointRouteBuilder app) =>
        app.MapPost("/gateways/enroll", EnrollAsync).AllowAnonymous().WithTags("Gateways")
            .WithDescription("A gateway redeems its one-time token: body {token, csr (base64 DER PKCS#10)}. Returns its client certificate "
                + "(CN = the gateway id the token names), the CA certificate, its 32-byte per-gateway key and the broker address. 401 if the token is refused.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);

    public static void Map(IEndpointRouteBuilder api)
    {
        var gateways = api.MapGroup("/gateways").WithTags("Gateways").RequireAuthorization(OperatorPolicy);
        gateways.MapPost("/enrollments", CreateEnrollmentAsync)
            .WithDescription("Creates a one-time, expiring enrollment token for a gateway. The token is returned only here.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);

        // Gateways report their PN inventory over MQTT (PnInventoryReport). These operator routes remain for tests and
        // repairs (e.g. recording a PNE of a gateway that is offline); they do the same as a report.
        gateways.MapPut("/{gatewayId}/pnes/{pneId}", PutPneAsync)
            .WithDescription("Operator override (gateways report their inventory over MQTT): records a PNE registered in the gateway's PN.")
            .ProducesValidationProblem();
        gateways.MapDelete("/{gatewayId}/pnes/{pneId}", DeletePneAsync)
            .WithDescription("Operator override: removes a PNE from the gateway's PN; it leaves every group it is a member of.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        gateways.MapGet("/{gatewayId}/pnes", ListPnesAsync);
    }

    private static async Task<Created<EnrollmentResponse>> CreateEnrollmentAsync(
        CreateEnrollmentRequest? body, ClaimsPrincipal user, EnrollmentService enrollments, IOptions<ServerOptions> options, CancellationToken ct)
    {
        body = Validate.Body(body);
        var gatewayId = Validate.Id(body.GatewayId, "gatewayId");
        if (string.Equals(gatewayId, ServerCertificates.ServerIdentity, StringComparison.OrdinalIgnoreCase))
        {
            // That CN has the server's rights on the broker: never a gateway's.
            throw Errors.ServerError.Invalid("gatewayId", $"'{ServerCertificates.ServerIdentity}' is the server's identity.");
        }

        var ttl = Validate.Range(body.TtlSeconds, "ttlSeconds", 1, 30 * 24 * 3600) is int seconds
            ? TimeSpan.FromSeconds(seconds)
            : options.Value.EnrollmentTokenLifetime;
        var issued = await enrollments.CreateAsync(Caller.FromPrincipal(user), gatewayId, ttl, ct).ConfigureAwait(false);
        return TypedResults.Created($"/gateways/enrollments/{issued.Id}", new EnrollmentResponse(issued.Id, issued.GatewayId, issued.Token, issued.ExpiresAt));
    }

    private static async Task<Ok<EnrollResponse>> EnrollAsync(EnrollRequest? body, EnrollmentService enrollments, GatewayLink link, CancellationToken ct)
    {
        body = Validate.Body(body);
        if (string.IsNullOrWhiteSpace(body.Token))
        {
            throw Errors.ServerError.Invalid("token", "'token' is required.");
        }

        byte[] csr;
        try
        {
            csr = Convert.FromBase64String(body.Csr ?? "");
        }
        catch (FormatException)
        {
            throw Errors.ServerError.Invalid("csr", "'csr' must be base64.");
        }

        if (csr.Length is 0 or > 8192)
        {
            throw Errors.ServerError.Invalid("csr", "'csr' must be a DER PKCS#10 request of at most 8192 bytes.");
        }

        var enrolled = await enrollments.EnrollAsync(body.Token, csr, ct).ConfigureAwait(false);
        try
        {
            return TypedResults.Ok(new EnrollResponse(
                enrolled.GatewayId,
                Convert.ToBase64String(enrolled.Certificate),
                Convert.ToBase64String(enrolled.CaCertificate),
                Convert.ToBase64String(enrolled.GatewayKey),
                link.AdvertisedEndpoint?.ToString() ?? ""));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(enrolled.GatewayKey);
        }
    }

    private static async Task<Results<Created<PneResponse>, Ok<PneResponse>>> PutPneAsync(
        string gatewayId, string pneId, PutPneRequest? body, InventoryService inventory, CancellationToken ct)
    {
        gatewayId = Validate.Id(gatewayId, "gatewayId");
        pneId = Validate.Id(pneId, "pneId");
        body = Validate.Body(body);
        var pnId = Validate.Id(body.PnId, "pnId");
        var alias = Validate.OptionalText(body.Alias, "alias");
        var created = await inventory.RecordPneAsync(gatewayId, pnId, pneId, alias, registeredAt: null, ct).ConfigureAwait(false);
        var row = (await inventory.ListAsync(gatewayId, ct).ConfigureAwait(false)).Single(p => p.PneId == pneId).ToResponse();
        return created ? TypedResults.Created($"/gateways/{gatewayId}/pnes/{pneId}", row) : TypedResults.Ok(row);
    }

    private static async Task<NoContent> DeletePneAsync(string gatewayId, string pneId, InventoryService inventory, CancellationToken ct)
    {
        gatewayId = Validate.Id(gatewayId, "gatewayId");
        pneId = Validate.Id(pneId, "pneId");
        return await inventory.RemovePneAsync(gatewayId, pneId, ct).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : throw Errors.ServerError.PneNotFound(gatewayId, pneId);
    }

    private static async Task<Ok<List<PneResponse>>> ListPnesAsync(string gatewayId, InventoryService inventory, CancellationToken ct)
    {
        gatewayId = Validate.Id(gatewayId, "gatewayId");
        var rows = await inventory.ListAsync(gatewayId, ct).ConfigureAwait(false);
        return TypedResults.Ok(rows.Select(p => p.ToResponse()).ToList());
    }
}
