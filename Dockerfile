# Build: the same command as CI's packaging step.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
COPY .mvn .mvn
RUN mvn -B -q dependency:go-offline
COPY src src
COPY rules rules
COPY profiles profiles
RUN mvn -B -q package -DskipTests

# Run: a JRE is enough (DRL is compiled with the bundled ECJ compiler).
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /config hubpolicy \
 && mkdir -p /config /data && chown hubpolicy /data
COPY --from=build /src/target/hubpolicy.jar /opt/hubpolicy/hubpolicy.jar
# The working directory's profiles/ and rules/ are the defaults; mount over them to change them.
# Heap at 60% of the pod's memory: the rest is what the JVM needs beside it (metaspace, code,
# threads), so the largest accepted configuration, rebuilt under load, stays inside the limit
# (BENCHMARKS.md, "The largest configuration"). Out of memory, the process exits and is restarted
# rather than limping on.
COPY profiles /config/profiles
COPY rules /config/rules
WORKDIR /config
USER 10001
ENV HUBPOLICY_HOST=0.0.0.0 \
    HUBPOLICY_PORT=8080 \
    HUBPOLICY_AUDIT_LOG=/data/audit.jsonl \
    HUBPOLICY_TOKEN_FILE=/data/hubpolicy.token \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=60 -XX:+ExitOnOutOfMemoryError"
# The audit file and the token: a volume, so that a read-only root file system still has them.
VOLUME ["/data"]
EXPOSE 8080 9090
ENTRYPOINT ["java", "-jar", "/opt/hubpolicy/hubpolicy.jar"]
CMD ["serve"]
