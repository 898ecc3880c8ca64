enum BerthAgentModule {}
