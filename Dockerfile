# syntax=docker/dockerfile:1
# Build stage: compile and package the fat jar (tests run in CI, not in the image build).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -ntp dependency:go-offline
COPY conf conf
COPY src src
# No class-data-sharing archive here: one only loads on the JVM build that made it, so the runtime
# stage makes its own.
RUN mvn -B -ntp package -DskipTests -Dcds.skip=true

# Runtime stage: a JRE and the jar, running as an unprivileged user.
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 hookline
WORKDIR /app
COPY --from=build /src/target/hookline.jar /app/hookline.jar
COPY conf/hookline.json /app/conf/hookline.json
# The class-data-sharing archive (docs/operations.md#start-up-and-class-data-sharing), made by this
# image's JVM from a training run that needs no servers: `bench --embedded` (PostgreSQL and Redis
# from the jar; as the unprivileged user, since PostgreSQL refuses root). The archive records the
# jar's path, so the training runs /app/hookline.jar as the ENTRYPOINT does; -Xshare:on then fails
# the build if the archive does not load.
RUN install -d -o hookline /app/cds \
 && su -s /bin/sh hookline -c 'cd /tmp && java -XX:ArchiveClassesAtExit=/app/cds/hookline.jsa -Xmx512m \
      -jar /app/hookline.jar bench --embedded --deliveries 2000 --batch 100 >/tmp/cds-training.log 2>&1 \
      || { tail -40 /tmp/cds-training.log; exit 1; }' \
 && chown -R root:root /app/cds && rm -rf /tmp/* \
 && java -XX:SharedArchiveFile=/app/cds/hookline.jsa -Xshare:on -jar /app/hookline.jar --version
USER hookline
EXPOSE 8080
# SIGTERM (docker stop) drains in-flight sends up to delivery.shutdownGraceSeconds, then exits 0;
# give `docker stop -t` at least that long.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/cds/hookline.jsa", "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75", "-jar", "/app/hookline.jar"]
