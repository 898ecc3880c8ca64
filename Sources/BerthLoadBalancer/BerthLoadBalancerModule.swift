enum BerthLoadBalancerModule {}
