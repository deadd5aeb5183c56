using System.Security.Claims;
using Cpns.Server.Auth;
using Cpns.Server.Enrollment;
using Cpns.Server.Inventory;
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

    public static void Map(IEndpointRouteBuilder api)
    {
        var gateways = api.MapGroup("/gateways").WithTags("Gateways").RequireAuthorization(OperatorPolicy);
        gateways.MapPost("/enrollments", CreateEnrollmentAsync)
            .WithDescription("Creates a one-time, expiring enrollment token for a gateway. The token is returned only here.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden);

        // Temporary: gateways will report their PN inventory over MQTT. Until then operators (and tests) record it here.
        gateways.MapPut("/{gatewayId}/pnes/{pneId}", PutPneAsync)
            .WithDescription("TEMPORARY until gateways report their PN inventory over MQTT: records a PNE registered in the gateway's PN.")
            .ProducesValidationProblem();
        gateways.MapDelete("/{gatewayId}/pnes/{pneId}", DeletePneAsync)
            .WithDescription("TEMPORARY: removes a PNE from the gateway's PN; it leaves every group it is a member of.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        gateways.MapGet("/{gatewayId}/pnes", ListPnesAsync);
    }

    private static async Task<Created<EnrollmentResponse>> CreateEnrollmentAsync(
        CreateEnrollmentRequest? body, ClaimsPrincipal user, EnrollmentService enrollments, IOptions<ServerOptions> options, CancellationToken ct)
    {
        body = Validate.Body(body);
        var gatewayId = Validate.Id(body.GatewayId, "gatewayId");
        var ttl = Validate.Range(body.TtlSeconds, "ttlSeconds", 1, 30 * 24 * 3600) is int seconds
            ? TimeSpan.FromSeconds(seconds)
            : options.Value.EnrollmentTokenLifetime;
        var issued = await enrollments.CreateAsync(Caller.FromPrincipal(user), gatewayId, ttl, ct).ConfigureAwait(false);
        return TypedResults.Created($"/gateways/enrollments/{issued.Id}", new EnrollmentResponse(issued.Id, issued.GatewayId, issued.Token, issued.ExpiresAt));
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
