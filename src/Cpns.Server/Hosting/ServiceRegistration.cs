using Cpns.Server.Audit;
using Cpns.Server.Auth;
using Cpns.Server.Deliveries;
using Cpns.Server.Enrollment;
using Cpns.Server.Inventory;
using Cpns.Server.Keys;
using Cpns.Server.Mqtt;
using Cpns.Server.Rotation;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Cpns.Server.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Hosting;

/// <summary>The server's services, shared by the web host and the offline admin operations.</summary>
internal static class ServiceRegistration
{
    public static IServiceCollection AddCpnsCore(this IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CpnsDatabase>();
        services.AddSingleton<ApiKeyService>();
        return services;
    }

    public static IServiceCollection AddCpnsServer(this IServiceCollection services, ServerOptions options)
    {
        services.AddCpnsCore(options);
        services.AddSingleton(sp => MasterKey.Load(sp.GetRequiredService<IOptions<ServerOptions>>().Value));
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<GroupKeyService>();
        services.AddSingleton<DeliveryService>();
        services.AddSingleton<AuditService>();
        services.AddSingleton<InventoryService>();
        services.AddSingleton<EnrollmentService>();
        services.AddSingleton<InstanceIdentity>();
        services.AddSingleton<RotationLeases>();
        services.AddSingleton<PeriodicRotationService>();
        services.AddSingleton<ServerCertificates>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<DeliveryContent>();
        services.AddSingleton<DeliveryLeases>();
        services.AddSingleton<SyncService>();
        services.AddSingleton<ReplayCache>(_ => new ReplayCache());
        services.AddSingleton<EnrolledGateways>();
        services.AddSingleton<UplinkHandler>();
        services.AddSingleton<GatewayLink>();
        services.AddSingleton<DeliveryDispatcher>();

        // Start order matters: the CA and the broker (GatewayLink) before the dispatcher; both before Kestrel.
        services.AddHostedService(sp => sp.GetRequiredService<GatewayLink>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<PeriodicRotationService>());
        return services;
    }
}
