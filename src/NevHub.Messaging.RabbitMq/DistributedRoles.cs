using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NevHub.Processing;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The node's role in a deployment, from <c>NevHub:Role</c> (all | gateway | processor | api, default all) and
/// <c>NevHub:Bus:Provider</c> (inprocess | rabbitmq, default inprocess). Only configuration differs between deployments.
/// </summary>
public static class DistributedRoles
{
    public const string RoleKey = "NevHub:Role";
    public const string BusProviderKey = "NevHub:Bus:Provider";

    public static string Role(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var role = (configuration[RoleKey] ?? "all").Trim().ToLowerInvariant();
        return role is "all" or "gateway" or "processor" or "api"
            ? role
            : throw new InvalidOperationException($"{RoleKey} must be all, gateway, processor or api (was '{configuration[RoleKey]}').");
    }

    public static bool UsesRabbitMq(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var provider = (configuration[BusProviderKey] ?? "inprocess").Trim().ToLowerInvariant();
        return provider switch
        {
            "inprocess" => false,
            "rabbitmq" => true,
            _ => throw new InvalidOperationException($"{BusProviderKey} must be inprocess or rabbitmq (was '{configuration[BusProviderKey]}')."),
        };
    }

    /// <summary>
    /// With the RabbitMQ bus: a gateway node's lanes hand messages to RabbitMQ instead of the store (<see cref="RabbitMqPublishSink"/>);
    /// a processor node consumes the partitions into its lanes (<see cref="RabbitMqProcessorService"/>) and publishes its twin's
    /// changes (<see cref="RabbitMqLivePublisher"/>); an API node merges those into its twin (<see cref="RabbitMqLiveSubscriber"/>).
    /// With the in-process bus (role "all") nothing changes: the embedded deployment.
    /// </summary>
    public static IServiceCollection AddNevHubBus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var role = Role(configuration);
        if (!UsesRabbitMq(configuration))
        {
            return role == "all"
                ? services
                : throw new InvalidOperationException($"{RoleKey} = {role} needs {BusProviderKey} = rabbitmq.");
        }

        if (role == "all")
        {
            // One IngestBus cannot both publish to the bus and be fed from it (it would consume its own messages again).
            throw new InvalidOperationException($"{RoleKey} = all runs on the in-process bus; with {BusProviderKey} = rabbitmq choose gateway, processor or api.");
        }

        var options = new RabbitMqBusOptions();
        configuration.GetSection(RabbitMqBusOptions.Section).Bind(options);
        options.Validate();
        services.AddSingleton(options);
        if (role == "gateway")
        {
            // The gateway's lanes keep its local twin and publish; the per-vehicle processors run on processor nodes only.
            services.AddSingleton<RabbitMqIngestPublisher>();
            services.RemoveAll<IIngestSink>();
            services.AddSingleton<IIngestSink, RabbitMqPublishSink>();
            services.RemoveAll<IVehicleProcessor>();
        }

        if (role == "processor")
        {
            services.AddHostedService<RabbitMqProcessorService>();
            services.AddSingleton<RabbitMqLivePublisher>();
            services.AddHostedService(sp => sp.GetRequiredService<RabbitMqLivePublisher>());
        }

        if (role == "api")
        {
            // The API node's twin (and so its REST live state and /hubs/live) follows what processors process.
            services.AddSingleton<RabbitMqLiveSubscriber>();
            services.AddHostedService(sp => sp.GetRequiredService<RabbitMqLiveSubscriber>());
        }

        return services;
    }
}
